"""``make bench``: the WebSocket latency comparison with its default, bounded size.

See ws_load.py for what is measured and its options; pass them through, e.g.
``python bench/run.py --rooms 1000 --rate 500``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ws_load import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
