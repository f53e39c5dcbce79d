// Who is in one chat, as its panel lists them: the helper in charge, invited helpers, monitors,
// a trainee and their mentor, with a knocking trainee's "Let in" / "Turn away" for the helper
// in charge; and what that makes this console's user in the chat (owner, mentor, participant).
// Owns the chat's list of people.

import { fill, gettext, h } from "../dom.js";
import { api, bind, data } from "./context.js";

const ROLE_NAMES = {
  assigned: gettext("Helper in charge"),
  helper: gettext("Invited helper"),
  monitor: gettext("Monitor"),
  trainee: gettext("Trainee"),
  mentor: gettext("Mentor"),
};

export class Roster {
  /** For chat ``id``; ``mode()`` is how the console holds it, ``session()`` its session. */
  constructor(id, { mode, session }) {
    this.id = id;
    this.mode = mode;
    this.session = session;
    this.people = [];
  }

  /** The list as the chat's socket or the API sent it. */
  set(people) {
    this.people = people || [];
  }

  /** Ask who is in the chat now; false when the chat is no longer this user's to see. */
  async refresh() {
    try {
      this.set(await api.get(`sessions/${this.id}/participants`));
    } catch {
      return false; // no longer ours: the socket says so
    }
    return true;
  }

  hasKnocking() {
    return this.people.some((person) => person.state === "knocking");
  }

  get isOwner() {
    const assigned = this.people.find((person) => person.role === "assigned");
    if (assigned) return assigned.username === data.username;
    return (
      this.mode() === "helper" && (this.session()?.helpers?.[0]?.display_name || "") === data.me
    );
  }

  get isMentor() {
    return this.people.some(
      (person) => person.username === data.username && person.role === "mentor",
    );
  }

  get isParticipant() {
    return this.people.some(
      (person) => person.username === data.username && person.role !== "assigned",
    );
  }

  /** The list in ``panel``; before the first answer, the session's helpers stand in. */
  render(panel) {
    const people = this.people.length
      ? this.people
      : (this.session()?.helpers || []).map((person) => ({ ...person, state: "active" }));
    const stateNames = { invited: gettext("invited"), knocking: gettext("knocking"), active: "" };
    const owner = this.isOwner;
    fill(
      bind("people", panel),
      people.map((person) =>
        h(
          "li",
          { class: "lc-suggestion" },
          h(
            "span",
            {},
            h("strong", {}, person.display_name),
            " ",
            h(
              "span",
              { class: "lc-hint" },
              [
                ROLE_NAMES[person.role] || person.role,
                stateNames[person.state] || "",
                person.visible === false ? gettext("hidden from the visitor") : "",
              ]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
          person.state === "knocking" && owner
            ? h(
                "span",
                { class: "lc-actions lc-flush" },
                h(
                  "button",
                  {
                    type: "button",
                    class: "lc-btn lc-btn--small lc-btn--primary",
                    dataset: { admit: person.username },
                  },
                  gettext("Let in"),
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "lc-btn lc-btn--small",
                    dataset: { turnAway: person.username },
                  },
                  gettext("Turn away"),
                ),
              )
            : null,
        ),
      ),
    );
  }
}
