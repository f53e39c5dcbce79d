// One chat in the console: its tab and panel, put together from the parts that own each
// concern: the tab (chat-tab.js), the conversation (panel-conversation.js), the composer with
// its audience and pickers (panel-composer.js), the facts beside the chat (chat-facts.js), who
// is in it (roster.js, people.js), a trainee's drafts for their mentor (drafts.js), and the
// article feedback after it (end-feedback.js). Owns the chat's session and the caller's place
// in it (helper, observer, knock); the tab strip (tabs.js) owns the set of chats.

import { $, $$, announce, confirmDialog, fmt, gettext, show } from "../dom.js";
import { showEarlierChats } from "../history-panel.js";
import { loadRating } from "../rating-panel.js";
import { dropToast, failed } from "./alerts.js";
import { renderFacts, statusLabel } from "./chat-facts.js";
import { ChatTab } from "./chat-tab.js";
import { announcer, api, bind, data, isHelper, root } from "./context.js";
import { Drafts } from "./drafts.js";
import { EndFeedback } from "./end-feedback.js";
import { PanelComposer } from "./panel-composer.js";
import { PanelConversation } from "./panel-conversation.js";
import { participate, peopleDialog } from "./people.js";
import { Roster } from "./roster.js";
import { myTrainees } from "./trainees.js";

export class ChatPanel {
  /** ``tabs`` is the console's tab strip: select, close, save, activeId, updateTitle. */
  constructor(id, mode, tabs) {
    this.id = id;
    this.tabs = tabs;
    this.mode = mode; // helper | observer | knock
    this.session = null;
    this.unanswered = false;
    this.goneFinal = false;
  }

  keep() {
    // Tabs worth restoring after a reload: observing, knocking, or feedback still owed
    // (a helper's open chats come back from the server anyway; a trainee's are kept here).
    if (this.feedback.done) return false;
    return this.mode !== "helper" || this.session?.status !== "active" || !isHelper;
  }

  mount() {
    const panel = document
      .getElementById("lc-chat-template")
      .content.firstElementChild.cloneNode(true);
    panel.id = `lc-panel-${this.id}`;
    panel.setAttribute("aria-labelledby", `lc-tab-${this.id}`);
    panel.dataset.chat = this.id;
    panel.hidden = true;
    this.panel = panel;
    const shown = () => this.tabs.activeId() === this.id;
    const mode = () => this.mode;
    const session = () => this.session;
    this.conversation = new PanelConversation(this.id, panel, {
      shown,
      select: () => this.tabs.select(this.id, { focus: true }),
      onMessage: (el, message) => this.onMessage(el, message),
      onFrame: (frame) => this.onFrame(frame),
      onResumed: () => {
        this.markRead();
        this.updateUnanswered();
      },
      onRefused: () => this.gone(gettext("You are no longer in this chat.")),
    });
    this.composer = new PanelComposer(this.id, panel, {
      mode,
      locale: () => this.session?.locale || data.locale,
      socket: () => this.conversation.socket,
      log: this.conversation.log,
      onText: () => this.conversation.markAnswered(),
    });
    this.feedback = new EndFeedback(this.id, panel, {
      mode,
      session,
      shown,
      onFiled: () => this.tabs.save(),
    });
    this.roster = new Roster(this.id, { mode, session });
    this.drafts = new Drafts(this.id, this.conversation.log, () => this.roster.isMentor);
    $("#lc-main").append(panel);
    this.tab = new ChatTab(this.id, panel.id, () => this.tabs.select(this.id, { focus: true }));
    this.wire();
  }

  async load(session = null) {
    if (!session) {
      try {
        session = await api.get(`sessions/${this.id}`);
      } catch (error) {
        if (error.status === 404 && data.role !== "supervisor") {
          this.mode = "knock";
          this.render();
          return;
        }
        failed(error);
        this.tabs.close(this.id);
        return;
      }
    }
    this.setSession(session);
  }

  setSession(session) {
    this.session = session;
    if (session.role && session.role !== "helper" && this.mode === "helper") this.mode = "observer";
    if (session.role === "helper") this.mode = "helper";
    if (this.mode === "knock") this.mode = session.role === "helper" ? "helper" : "observer";
    this.render();
    this.tabs.save();
    this.conversation.connect(this.session);
    showEarlierChats(api, bind("history", this.panel), session);
  }

  /** Given to this helper (assigned, handed over or transferred): new to them until they write. */
  markGiven() {
    this.conversation.markGiven();
    this.updateUnanswered();
    this.refreshPeople();
  }

  render() {
    const panel = this.panel;
    const session = this.session;
    const knocking = this.mode === "knock";
    show(bind("knock-panel", panel), knocking);
    for (const part of ["log", "typing"]) show(bind(part, panel), !knocking);
    show($(".lc-side", panel), !knocking);
    panel.classList.toggle("lc-tabpanel--knock", knocking);
    const hint = this.hint || {};
    this.tab.label(
      knocking
        ? hint.helper
          ? fmt(gettext("%(name)s's chat"), { name: hint.helper })
          : gettext("Knock to observe")
        : session?.visitor?.display_name || gettext("Visitor"),
      knocking ? "" : (session?.form?.problem || session?.article?.title || "").slice(0, 60),
      [session?.article?.title, session?.form?.problem].filter(Boolean).join(" — "),
    );
    bind("heading", panel).textContent = knocking
      ? hint.article || gettext("A chat in progress")
      : fmt(gettext("%(name)s · %(article)s"), {
          name: session?.visitor?.display_name || gettext("Visitor"),
          article: session?.article?.title || gettext("No article"),
        });
    const status = session?.status || "";
    const stateTag = bind("state", panel);
    stateTag.textContent = knocking
      ? ""
      : this.mode === "observer"
        ? `${statusLabel(status)} · ${gettext("observing")}`
        : statusLabel(status);
    show(stateTag, Boolean(stateTag.textContent));
    const ended = status && status !== "active" && status !== "waiting";
    this.tab.setEnded(Boolean(ended));

    const { isOwner, isParticipant } = this.roster;
    const visible = {
      helper: this.mode === "helper" && !ended && isOwner,
      mentor: this.mode === "helper" && !ended && isOwner && myTrainees().length > 0,
      supervisor:
        this.mode === "observer" && data.role === "supervisor" && !ended && !isParticipant,
      knock: knocking,
      participant: !ended && isParticipant,
      owner: !ended && (isOwner || (data.role === "supervisor" && this.mode !== "knock")),
      closed: ended || knocking || this.mode === "observer",
    };
    for (const button of $$("[data-for]", panel)) show(button, visible[button.dataset.for]);

    this.composer.show(!ended && !knocking && Boolean(session));
    this.composer.offer();

    if (session) {
      renderFacts(panel, session, this.id);
      this.roster.render(panel);
    }
    if (ended) this.onEnded();
    if (ended && this.mode !== "knock") loadRating(api, panel, this.id);
    this.updateUnanswered();
  }

  onMessage(el, message) {
    this.drafts.onMessage(el, message);
    this.markRead();
    this.updateUnanswered();
  }

  onFrame(frame) {
    if (this.drafts.onFrame(frame)) return;
    if (frame.type === "status") {
      const was = this.session.status;
      this.session.status = frame.status;
      if (frame.helpers) this.session.helpers = frame.helpers;
      // Who is in charge may have changed (a transfer): ask who is in the chat now.
      if (["transferred", "participants", "handed_over"].includes(frame.change))
        this.refreshPeople();
      if (frame.status !== was) {
        if (frame.status !== "active" && frame.status !== "waiting") this.conversation.stop();
        this.render();
        if (frame.status === "ended")
          announce(
            announcer,
            fmt(gettext("The chat with %(name)s ended."), {
              name: this.session.visitor?.display_name || gettext("Visitor"),
            }),
          );
      } else {
        this.roster.render(this.panel);
      }
    } else if (frame.type === "participants") {
      this.roster.set(frame.participants);
      this.drafts.decorateAll();
      if (!this.roster.hasKnocking()) dropToast(`knock-${this.id}`);
      this.render();
    }
  }

  async refreshPeople() {
    if (await this.roster.refresh()) this.render();
  }

  updateUnanswered() {
    const unanswered =
      this.mode === "helper" &&
      this.session?.status === "active" &&
      this.conversation.awaitsAnswer();
    const changed = unanswered !== this.unanswered;
    this.unanswered = unanswered;
    const unseen = this.tabs.activeId() !== this.id ? this.conversation.unseen : 0;
    this.tab.showState(unanswered, unseen);
    if (changed) this.tabs.updateTitle();
  }

  markRead() {
    if (this.conversation.markRead()) this.updateUnanswered();
  }

  setSelected(selected) {
    this.tab.setSelected(selected);
    this.panel.hidden = !selected;
    if (selected) this.markRead();
    this.updateUnanswered();
  }

  /** Where this caller's knock stands in the knock panel: ``knocked`` (waiting for the helper)
   * or ``turned_away`` (the helper said no this time; they may knock again). */
  showKnock(state) {
    const knocked = state === "knocked";
    bind("knock-text", this.panel).textContent = knocked
      ? gettext("You knocked. Waiting for the helper to let you in…")
      : gettext("The helper did not let you in this time.");
    $('[data-action="knock"]', this.panel).disabled = knocked;
  }

  /** Show this chat with the first knocking person's "Let in" focused (the helper's answer). */
  revealKnock() {
    this.tabs.select(this.id);
    $("[data-admit]", this.panel)?.focus();
  }

  focusComposer() {
    this.composer.focus();
  }

  focusTab() {
    this.tab.focus();
  }

  /** The chat ended in this helper's hands and its article still waits for their verdict. */
  owesFeedback() {
    return this.feedback.owed();
  }

  onEnded() {
    this.composer.show(false);
    this.feedback.offer();
    this.tabs.save();
  }

  /** The caller is out of the chat. ``final`` words (from their own action) win over the
   * generic ones that the socket or the console hear in any order. */
  gone(text, { final = false } = {}) {
    this.conversation.stop();
    if (this.goneFinal && !final) return;
    this.goneFinal = this.goneFinal || final;
    const banner = bind("banner", this.panel);
    banner.className = "lc-banner";
    banner.textContent = text;
    show(banner, true);
    this.composer.show(false);
    this.mode = this.mode === "helper" ? "observer" : this.mode;
    for (const button of $$("[data-for]", this.panel))
      show(button, button.dataset.for === "closed");
    this.unanswered = false;
    this.updateUnanswered();
    this.tabs.updateTitle();
  }

  async end() {
    if (!(await confirmDialog($('[data-dialog="end"]', root)))) return;
    try {
      const session = await api.post(`sessions/${this.id}/end`, {});
      this.conversation.stop();
      this.setSession(session);
    } catch (error) {
      failed(error);
    }
  }

  /** Closing a tab whose feedback is owed asks first (and the chat stays on the due list). */
  async close() {
    if (await this.feedback.mayClose()) this.closeNow();
  }

  /** Close the tab without asking (the caller left the chat). */
  closeNow() {
    this.tabs.close(this.id);
  }

  wire() {
    this.panel.addEventListener("click", (event) => {
      const target = event.target.closest(
        "[data-action], [data-insert], [data-admit], [data-turn-away], [data-approve], [data-draft-edit], [data-draft-reject], [data-draft-cancel]",
      );
      if (!target) return;
      if (this.drafts.onClick(target) || this.composer.onClick(target)) return;
      if (target.dataset.admit) return participate(this, "admit", target.dataset.admit);
      if (target.dataset.turnAway) return participate(this, "turn-away", target.dataset.turnAway);
      const action = target.dataset.action;
      if (action === "end") this.end();
      else if (action === "invite" || action === "transfer" || action === "handover") {
        peopleDialog(this, action);
      } else if (action === "close") this.close();
      else participate(this, action);
    });
  }

  destroy() {
    this.conversation.stop();
    this.tab.remove();
    this.panel.remove();
  }
}
