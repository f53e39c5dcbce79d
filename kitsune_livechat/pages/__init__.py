"""Pages (HTML doors), as thin as the API: read the caller and the query, call the services,
render a template. ``charts`` draws SVG from the figures the services computed; ``downloads``
streams an export's rows as CSV."""
