// Waiting in line: the visitor's place and the expected wait (live from the chat's status
// frames), and the articles that may solve the problem meanwhile ("This solved it" leaves the
// line). Owns whether the suggestions were asked for.

import { $, announce, fill, fmt, formatWait, gettext, h, show } from "../dom.js";
import { announcer, api, bind, root } from "./context.js";
import { showScreen } from "./screens.js";

export class Waiting {
  /** ``session()`` is the chat waiting; ``onSolved(session)`` takes it once an article solved
   * the problem. */
  constructor({ session, onSolved }) {
    this.session = session;
    this.onSolved = onSolved;
    this.suggested = false;
  }

  /** The waiting screen for the chat as it stands (the focus moves only on arriving there). */
  show() {
    this.renderPosition(this.session());
    showScreen("waiting", { focus: root.dataset.screenShown !== "waiting" });
    if (!this.suggested) {
      this.suggested = true;
      this.loadSuggestions();
    }
  }

  /** Place and wait from the session or a status frame. */
  renderPosition(status) {
    const position = status.position;
    bind("position").textContent = position ? String(position) : "–";
    bind("position-label").textContent =
      position === 1 ? gettext("You are next in line") : gettext("Your place in line");
    bind("eta").textContent =
      status.wait_seconds !== null && status.wait_seconds !== undefined
        ? fmt(gettext("Estimated wait: %(wait)s"), { wait: formatWait(status.wait_seconds) })
        : "";
  }

  async loadSuggestions() {
    let articles = [];
    try {
      articles = await api.get(`sessions/${this.session().id}/suggestions`);
    } catch {
      articles = [];
    }
    const box = $("[data-suggestions]", root);
    show(box, articles.length > 0);
    fill(
      bind("suggestions"),
      articles.map((article) =>
        h(
          "li",
          { class: "lc-suggestion" },
          h("a", { href: article.url, target: "_blank", rel: "noopener" }, article.title),
          h(
            "button",
            {
              type: "button",
              class: "lc-btn lc-btn--small",
              dataset: { solved: article.id },
              "aria-label": fmt(gettext("“%(title)s” solved my problem"), {
                title: article.title,
              }),
            },
            gettext("This solved it"),
          ),
        ),
      ),
    );
  }

  async solvedBy(articleId) {
    let session;
    try {
      session = await api.post(`sessions/${this.session().id}/solved`, {
        article: Number(articleId),
      });
    } catch (error) {
      announce(announcer, error.detail);
      return;
    }
    this.onSolved(session);
  }
}
