// One chat in the console: its tab and panel, the conversation over its socket, the facts
// beside it, the composer with its audience (text, whisper, note), canned responses and
// article links, people in the chat (invite, transfer, hand over, knock, admit), a trainee's
// drafts for their mentor, ending the chat and the article feedback after it.
// Owns that chat's state; the tab strip (tabs.js) owns the set of chats.

import { CannedShortcut } from "../canned-shortcut.js";
import { ChatLog } from "../chatlog.js";
import { Composer } from "../composer.js";
import { $, $$, announce, confirmDialog, fill, fmt, gettext, h, show } from "../dom.js";
import { showEarlierChats } from "../history-panel.js";
import { loadRating } from "../rating-panel.js";
import { ChatSocket } from "../socket.js";
import { alertUser, dropToast, failed, toast } from "./alerts.js";
import {
  NULL_ID,
  announcer,
  api,
  attachments,
  bind,
  data,
  isHelper,
  productName,
  root,
  socketUrl,
} from "./context.js";
import { Drafts } from "./drafts.js";
import { peopleDialog } from "./people.js";
import { Pickers } from "./pickers.js";
import { findSolvedBy, loadFeedbackDue, submitFeedback } from "./feedback.js";
import { myTrainees } from "./trainees.js";

const LABELS = {
  started_when: {
    today: gettext("Today"),
    this_week: gettext("This week"),
    after_update: gettext("After an update"),
    longer: gettext("Longer ago"),
  },
  frequency: {
    always: gettext("Every time"),
    often: gettext("Often"),
    sometimes: gettext("Sometimes"),
    once: gettext("It happened once"),
  },
  status: {
    waiting: gettext("Waiting"),
    active: gettext("In progress"),
    ended: gettext("Ended"),
    abandoned: gettext("Left"),
    missed: gettext("Missed"),
  },
};

export class ChatPanel {
  /** ``tabs`` is the console's tab strip: select, close, save, activeId, updateTitle. */
  constructor(id, mode, tabs) {
    this.id = id;
    this.tabs = tabs;
    this.mode = mode; // helper | observer | knock
    this.session = null;
    this.socket = null;
    this.log = null;
    this.kind = "text";
    this.unanswered = false;
    this.unread = 0;
    this.people = [];
    this.feedbackDone = false;
  }

  keep() {
    // Tabs worth restoring after a reload: observing, knocking, or feedback still owed
    // (a helper's open chats come back from the server anyway; a trainee's are kept here).
    if (this.feedbackDone) return false;
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
    for (const radio of $$(".lc-mode input", panel)) radio.name = `kind-${this.id}`;
    const textarea = $("textarea[name=body]", panel);
    textarea.id = `lc-body-${this.id}`;
    bind("message-label", panel).setAttribute("for", textarea.id);
    for (const [search, label] of [
      ["canned", "canned-label"],
      ["kb", "kb-label"],
    ]) {
      const input = $(`[data-search="${search}"]`, panel);
      input.id = `lc-${search}-${this.id}`;
      bind(label, panel).setAttribute("for", input.id);
    }
    const solvedQuery = bind("solved-query", panel);
    solvedQuery.id = `lc-solved-query-${this.id}`;
    bind("solved-query-label", panel).setAttribute("for", solvedQuery.id);
    for (const [name, label] of [
      ["solved_by", "solved-label"],
      ["missing", "missing-label"],
      ["suggested_change", "change-label"],
      ["tags", "tags-label"],
    ]) {
      const field = $(`[data-bind="feedback"] [name="${name}"]`, panel);
      field.id = `lc-${name}-${this.id}`;
      bind(label, panel).setAttribute("for", field.id);
    }
    for (const picker of $$("[data-picker]", panel))
      picker.id = `lc-${picker.dataset.picker}-picker-${this.id}`;
    $('[data-action="canned"]', panel).setAttribute("aria-controls", `lc-canned-picker-${this.id}`);
    $('[data-action="kb"]', panel).setAttribute("aria-controls", `lc-kb-picker-${this.id}`);
    this.panel = panel;
    show(bind("compose", panel), false); // until the chat is loaded
    $("#lc-main").append(panel);

    this.tab = h(
      "button",
      {
        type: "button",
        role: "tab",
        class: "lc-tab",
        id: `lc-tab-${this.id}`,
        "aria-controls": panel.id,
        "aria-selected": "false",
        tabindex: "-1",
        dataset: { chat: this.id },
      },
      h("span", { class: "lc-tab__label" }, gettext("Loading…")),
      h("span", { class: "lc-tab__badge", hidden: true, "aria-hidden": "true" }),
      // Read with the tab's visible text (no aria-label, so the name matches what is seen).
      h("span", { class: "lc-sr-only", dataset: { tabState: "" } }),
    );
    bind("tabs").append(this.tab);

    this.log = new ChatLog(bind("log", panel), {
      viewer: "staff",
      selfName: () => data.me,
      typing: bind("typing", panel),
      attachments,
    });
    this.shortcut = new CannedShortcut({
      api,
      form: bind("composer", panel),
      textarea: $("textarea[name=body]", panel),
      locale: () => this.session?.locale || data.locale,
    });
    attachments.wire($("[data-attach-button]", panel), $("[data-attach-input]", panel), {
      sessionId: () => this.id,
      onSent: (message) => {
        bind("attach-error", panel).textContent = "";
        this.log.add(message);
      },
      onError: (error) => {
        bind("attach-error", panel).textContent = error.detail;
      },
    });
    this.pickers = new Pickers(panel, () => this.session?.locale || data.locale);
    this.drafts = new Drafts(this.id, this.log, () => this.isMentor);
    this.composer = new Composer({
      form: bind("composer", panel),
      textarea,
      socket: () => this.socket,
      onSend: (body, socket) => {
        const item = socket.sendMessage({ body, kind: this.kind });
        if (this.kind === "text") this.fresh = false;
        this.log.addPending(item, { offline: !socket.isReady() });
      },
      // A whisper or note is one message: the next one goes back to the default audience.
      afterSend: () => this.setKind(this.allowedKinds()[0]),
    });
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
    this.connect();
    showEarlierChats(api, bind("history", this.panel), session);
  }

  get isOwner() {
    const assigned = this.people.find((person) => person.role === "assigned");
    if (assigned) return assigned.username === data.username;
    return this.mode === "helper" && (this.session?.helpers?.[0]?.display_name || "") === data.me;
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

  render() {
    const panel = this.panel;
    const session = this.session;
    const knocking = this.mode === "knock";
    show(bind("knock-panel", panel), knocking);
    for (const part of ["log", "typing"]) show(bind(part, panel), !knocking);
    show($(".lc-side", panel), !knocking);
    panel.classList.toggle("lc-tabpanel--knock", knocking);
    const hint = this.hint || {};
    const label = knocking
      ? hint.helper
        ? fmt(gettext("%(name)s's chat"), { name: hint.helper })
        : gettext("Knock to observe")
      : session?.visitor?.display_name || gettext("Visitor");
    const detail = knocking
      ? ""
      : (session?.form?.problem || session?.article?.title || "").slice(0, 60);
    fill(
      this.tab.querySelector(".lc-tab__label"),
      h("strong", {}, label),
      detail ? " " : null,
      detail ? h("small", {}, detail) : null,
    );
    this.tab.title = [session?.article?.title, session?.form?.problem].filter(Boolean).join(" — ");
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
        ? `${LABELS.status[status] || status} · ${gettext("observing")}`
        : LABELS.status[status] || status;
    show(stateTag, Boolean(stateTag.textContent));
    const ended = status && status !== "active" && status !== "waiting";
    this.tab.classList.toggle("is-ended", Boolean(ended));

    const visible = {
      helper: this.mode === "helper" && !ended && this.isOwner,
      mentor: this.mode === "helper" && !ended && this.isOwner && myTrainees().length > 0,
      supervisor:
        this.mode === "observer" && data.role === "supervisor" && !ended && !this.isParticipant,
      knock: knocking,
      participant: !ended && this.isParticipant,
      owner: !ended && (this.isOwner || (data.role === "supervisor" && this.mode !== "knock")),
      closed: ended || knocking || this.mode === "observer",
    };
    for (const button of $$("[data-for]", panel)) show(button, visible[button.dataset.for]);

    const canWrite = !ended && !knocking && Boolean(session);
    show(bind("compose", panel), canWrite);
    const kinds = this.allowedKinds();
    for (const label of $$(".lc-mode label", panel))
      show(label, kinds.includes(label.dataset.kind));
    // Observers start on whispers: writing to the visitor is a deliberate choice.
    if (this.kindFor !== this.mode || !kinds.includes(this.kind)) this.setKind(kinds[0]);
    this.kindFor = this.mode;

    if (session) this.renderSide();
    if (ended) this.onEnded();
    if (ended && this.mode !== "knock") loadRating(api, panel, this.id);
    this.updateUnanswered();
  }

  allowedKinds() {
    if (this.mode === "helper") return ["text", "whisper", "note"];
    if (data.role === "supervisor") return ["whisper", "note", "text"];
    return ["whisper", "note"];
  }

  setKind(kind) {
    this.kind = kind;
    this.composer.kind = kind;
    for (const radio of $$(".lc-mode input", this.panel)) radio.checked = radio.value === kind;
    const composer = bind("composer", this.panel);
    composer.className = `lc-composer lc-composer--${kind}`;
    const textarea = $("textarea", composer);
    textarea.placeholder =
      kind === "whisper"
        ? gettext("Whisper to the helpers (the visitor never sees it)…")
        : kind === "note"
          ? gettext("Note for the chat's record (the visitor never sees it)…")
          : gettext("Write to the visitor…");
  }

  renderSide() {
    const panel = this.panel;
    const session = this.session;
    const form = session.form || {};
    bind("problem", panel).textContent = form.problem || "";
    const facts = [];
    if (form.started_when)
      facts.push([gettext("Started"), LABELS.started_when[form.started_when] || form.started_when]);
    if (form.frequency)
      facts.push([gettext("How often"), LABELS.frequency[form.frequency] || form.frequency]);
    if (form.on_affected_computer !== null && form.on_affected_computer !== undefined) {
      facts.push([
        gettext("On that computer"),
        form.on_affected_computer ? gettext("Yes") : gettext("No"),
      ]);
    }
    const answers =
      form.answers_shown ||
      Object.entries(form.answers || {}).map(([key, value]) => ({ label: key, value }));
    for (const { label, value } of answers) {
      const shown =
        value === true ? gettext("Yes") : value === false ? gettext("No") : String(value);
      facts.push([label, shown]);
    }
    if (session.focus) facts.push([gettext("Focus"), session.focus_title || session.focus]);
    fillFacts(bind("form-facts", panel), facts);

    const link = bind("article", panel);
    link.textContent = session.article?.title || gettext("No article");
    if (session.article?.url) link.href = session.article.url;
    else link.removeAttribute("href");
    fillFacts(bind("article-facts", panel), [
      [gettext("Product"), session.product ? productName(session.product) : "–"],
      [gettext("Language"), session.locale],
      [gettext("Revision"), session.article?.revision_id ? `#${session.article.revision_id}` : "–"],
    ]);
    const browser = session.browser || {};
    fillFacts(
      bind("browser-facts", panel),
      [
        [gettext("Browser"), [browser.browser, browser.version].filter(Boolean).join(" ") || "–"],
        [gettext("System"), browser.os || "–"],
        form.user_agent ? [gettext("User agent"), form.user_agent] : null,
      ].filter(Boolean),
    );
    this.renderPeople();
    const transcript = bind("transcript", panel);
    transcript.href = data.transcriptUrl.replace(NULL_ID, this.id);
  }

  renderPeople() {
    const list = bind("people", this.panel);
    const people = this.people.length
      ? this.people
      : (this.session?.helpers || []).map((person) => ({ ...person, state: "active" }));
    const roleNames = {
      assigned: gettext("Helper in charge"),
      helper: gettext("Invited helper"),
      monitor: gettext("Monitor"),
      trainee: gettext("Trainee"),
      mentor: gettext("Mentor"),
    };
    const stateNames = { invited: gettext("invited"), knocking: gettext("knocking"), active: "" };
    fill(
      list,
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
                roleNames[person.role] || person.role,
                stateNames[person.state] || "",
                person.visible === false ? gettext("hidden from the visitor") : "",
              ]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
          person.state === "knocking" && this.isOwner
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

  connect() {
    if (this.socket || !this.session) return;
    const status = this.session.status;
    if (status !== "active" && status !== "waiting") {
      this.loadHistory();
      return;
    }
    const url = socketUrl(`session/${this.id}/`);
    this.socket = new ChatSocket({ url, outboxKey: `livechat.console.outbox.${this.id}` });
    for (const item of this.socket.pending()) this.log.addPending(item, { offline: true });
    this.socket.addEventListener("message", (event) => this.onMessage(event.detail));
    this.socket.addEventListener("resumed", () => {
      bind("log", this.panel).removeAttribute("aria-busy");
      this.markRead();
      this.updateUnanswered();
    });
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.socket.addEventListener("failed", (event) =>
      this.log.markFailed(event.detail.item.client_msg_id, event.detail.detail),
    );
    this.socket.addEventListener("error", (event) => toast(event.detail.detail, { error: true }));
    this.socket.addEventListener("refused", () =>
      this.gone(gettext("You are no longer in this chat.")),
    );
    this.socket.addEventListener("state", (event) => {
      const state = event.detail.state;
      const banner = bind("banner", this.panel);
      if (state === "reconnecting" || state === "offline") {
        banner.className = "lc-banner";
        banner.textContent =
          state === "offline"
            ? gettext("You are offline. Messages will be sent when you are back.")
            : gettext("Connection lost. Reconnecting…");
        show(banner, true);
        this.log.setPendingState(true);
      } else if (state === "open") {
        show(banner, false);
        this.log.setPendingState(false);
      }
    });
    bind("log", this.panel).setAttribute("aria-busy", "true");
    this.socket.start();
  }

  async loadHistory() {
    try {
      const messages = await api.get(`sessions/${this.id}/messages`, { after_seq: 0 });
      for (const message of messages) this.log.add(message);
    } catch {
      /* the transcript link still works */
    }
  }

  onMessage(message) {
    const el = this.log.add(message);
    if (el && message.kind === "draft") this.drafts.decorate(el, message.seq);
    // History says which draft a message published or turned down: show each text once.
    if (el && message.draft_seq) {
      if (message.kind === "text") this.drafts.markApproved(message.draft_seq);
      else this.drafts.markRejected(message.draft_seq);
    }
    const fromVisitor = message.role === "visitor";
    if (fromVisitor && this.socket?.resumed) {
      const watching =
        this.tabs.activeId() === this.id &&
        document.visibilityState === "visible" &&
        document.hasFocus();
      if (!watching) {
        this.unread += 1;
        alertUser(
          fmt(gettext("%(name)s wrote"), { name: message.author || gettext("Visitor") }),
          message.body.slice(0, 120),
          () => this.tabs.select(this.id, { focus: true }),
        );
      }
    }
    this.markRead();
    this.updateUnanswered();
  }

  onFrame(frame) {
    // Screens beside the console (tags...) follow the chat's frames through its panel.
    this.panel.dispatchEvent(new CustomEvent("livechat:frame", { detail: frame }));
    if (frame.type === "status") {
      const was = this.session.status;
      this.session.status = frame.status;
      if (frame.helpers) this.session.helpers = frame.helpers;
      // Who is in charge may have changed (a transfer): ask who is in the chat now.
      if (["transferred", "participants", "handed_over"].includes(frame.change))
        this.refreshPeople();
      if (frame.status !== was) {
        if (frame.status !== "active" && frame.status !== "waiting") {
          this.socket?.stop();
          this.socket = null;
        }
        this.render();
        if (frame.status === "ended")
          announce(
            announcer,
            fmt(gettext("The chat with %(name)s ended."), {
              name: this.session.visitor?.display_name || gettext("Visitor"),
            }),
          );
      } else {
        this.renderPeople();
      }
    } else if (frame.type === "draft.approved") {
      this.drafts.markApproved(frame.draft_seq);
    } else if (frame.type === "draft.rejected") {
      this.drafts.markRejected(frame.draft_seq);
    } else if (frame.type === "participants") {
      this.people = frame.participants || [];
      for (const [seq, el] of this.log.bySeq) {
        if (el.dataset.kind === "draft") this.drafts.decorate(el, seq);
      }
      if (!this.people.some((person) => person.state === "knocking")) {
        dropToast(`knock-${this.id}`);
      }
      this.render();
    } else if (frame.type === "typing") {
      if (frame.author !== data.me) this.log.setTyping(frame.author, frame.active);
    } else if (frame.type === "read") {
      if (frame.role === "visitor") this.log.markRead(frame.seq);
    }
  }

  async refreshPeople() {
    try {
      this.people = await api.get(`sessions/${this.id}/participants`);
    } catch {
      return; // no longer ours: the socket says so
    }
    this.render();
  }

  updateUnanswered() {
    let unanswered = false;
    if (this.mode === "helper" && this.session?.status === "active") {
      let last = null;
      for (const el of this.log.bySeq.values()) {
        const { role, kind, seq } = el.dataset;
        if (kind !== "text" || (role !== "visitor" && role !== "helper")) continue;
        if (!last || Number(seq) > last.seq) last = { seq: Number(seq), role };
      }
      unanswered = this.fresh || !last || last.role === "visitor";
    }
    const changed = unanswered !== this.unanswered;
    this.unanswered = unanswered;
    this.tab.classList.toggle("is-unanswered", unanswered);
    const badge = this.tab.querySelector(".lc-tab__badge");
    const showBadge = this.unread > 0 && this.tabs.activeId() !== this.id;
    badge.textContent = showBadge ? String(this.unread) : "";
    show(badge, showBadge);
    const state = [
      unanswered ? gettext("waiting for your answer") : "",
      this.tab.classList.contains("is-ended") ? gettext("ended") : "",
      showBadge ? fmt(gettext("%(n)s new"), { n: this.unread }) : "",
    ].filter(Boolean);
    this.tab.querySelector("[data-tab-state]").textContent = state.length
      ? `, ${state.join(", ")}`
      : "";
    if (changed) this.tabs.updateTitle();
  }

  markRead() {
    if (
      !this.socket ||
      this.tabs.activeId() !== this.id ||
      document.visibilityState !== "visible" ||
      !document.hasFocus()
    )
      return;
    this.unread = 0;
    const last = this.log.lastFromOthers();
    if (
      last &&
      last.seq > (this.readSent || 0) &&
      this.socket.send({ type: "read", seq: last.seq })
    ) {
      this.readSent = last.seq;
    }
    this.updateUnanswered();
  }

  setSelected(selected) {
    this.tab.setAttribute("aria-selected", selected ? "true" : "false");
    this.tab.tabIndex = selected ? 0 : -1;
    this.panel.hidden = !selected;
    if (selected) this.markRead();
    this.updateUnanswered();
  }

  focusComposer() {
    const textarea = $("textarea[name=body]", this.panel);
    if (textarea && !textarea.closest("[hidden]")) textarea.focus();
    else this.panel.focus();
  }

  /** The chat ended in this helper's hands and its article still waits for their verdict. */
  owesFeedback() {
    return Boolean(
      this.mode === "helper" &&
      this.session?.status === "ended" &&
      !this.feedbackDone &&
      this.session.article?.id,
    );
  }

  onEnded() {
    show(bind("compose", this.panel), false);
    const owed = this.owesFeedback();
    const form = bind("feedback", this.panel);
    if (owed && form.hidden) {
      show(form, true);
      if (this.tabs.activeId() === this.id) $("h3", form).focus();
    }
    this.tabs.save();
  }

  /** The caller is out of the chat. ``final`` words (from their own action) win over the
   * generic ones that the socket or the console hear in any order. */
  gone(text, { final = false } = {}) {
    this.socket?.stop();
    this.socket = null;
    if (this.goneFinal && !final) return;
    this.goneFinal = this.goneFinal || final;
    const banner = bind("banner", this.panel);
    banner.className = "lc-banner";
    banner.textContent = text;
    show(banner, true);
    show(bind("compose", this.panel), false);
    this.mode = this.mode === "helper" ? "observer" : this.mode;
    for (const button of $$("[data-for]", this.panel))
      show(button, button.dataset.for === "closed");
    this.unanswered = false;
    this.updateUnanswered();
    this.tabs.updateTitle();
  }

  // --- composing ---

  // --- actions ---

  async end() {
    if (!(await confirmDialog($('[data-dialog="end"]', root)))) return;
    try {
      const session = await api.post(`sessions/${this.id}/end`, {});
      this.socket?.stop();
      this.socket = null;
      this.setSession(session);
    } catch (error) {
      failed(error);
    }
  }

  async act(action, target) {
    try {
      if (action === "join") {
        await api.post(`sessions/${this.id}/join`, {});
        toast(
          gettext("You joined as a monitor. The visitor does not see you until you write to them."),
        );
      } else if (action === "knock") {
        await api.post(`sessions/${this.id}/knock`, {});
        bind("knock-text", this.panel).textContent = gettext(
          "You knocked. Waiting for the helper to let you in…",
        );
        $('[data-action="knock"]', this.panel).disabled = true;
      } else if (action === "leave") {
        await api.post(`sessions/${this.id}/leave`, {});
        this.tabs.close(this.id);
      } else if (action === "admit") {
        await api.post(`sessions/${this.id}/admit`, { user: target });
      } else if (action === "turn-away") {
        await api.post(`sessions/${this.id}/turn-away`, { user: target });
      }
    } catch (error) {
      failed(error);
    }
  }

  async submitFeedback(event) {
    event.preventDefault();
    if (!(await submitFeedback(this.panel, this.id, event.target))) return;
    this.feedbackDone = true;
    this.tabs.save();
  }

  /** Closing a tab whose feedback is owed asks first (and the chat stays on the due list). */
  async close() {
    if (this.owesFeedback()) {
      if (!(await confirmDialog($('[data-dialog="close-owed"]', root)))) {
        $("h3", bind("feedback", this.panel))?.focus();
        return;
      }
      loadFeedbackDue();
    }
    this.tabs.close(this.id);
  }

  wire() {
    const panel = this.panel;
    this.tab.addEventListener("click", () => this.tabs.select(this.id, { focus: true }));
    const textarea = $("textarea[name=body]", panel);
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.pickers.toggle("canned", false);
    });
    for (const radio of $$(".lc-mode input", panel)) {
      radio.addEventListener("change", () => {
        this.setKind(radio.value);
        textarea.focus();
      });
    }
    let searchTimer = null;
    for (const input of $$("[data-search]", panel)) {
      input.addEventListener("input", () => {
        window.clearTimeout(searchTimer);
        searchTimer = window.setTimeout(
          () => this.pickers.search(input.dataset.search, input.value),
          200,
        );
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          this.pickers.toggle(input.dataset.search, false);
          textarea.focus();
        }
      });
    }
    const solvedQuery = bind("solved-query", panel);
    solvedQuery.addEventListener("input", () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(
        () =>
          findSolvedBy(
            this.panel,
            this.session,
            this.session?.locale || data.locale,
            solvedQuery.value,
          ),
        200,
      );
    });
    bind("feedback", panel).addEventListener("submit", (event) => this.submitFeedback(event));
    panel.addEventListener("click", (event) => {
      const target = event.target.closest(
        "[data-action], [data-insert], [data-admit], [data-turn-away], [data-approve], [data-draft-edit], [data-draft-reject], [data-draft-cancel]",
      );
      if (!target) return;
      if (target.dataset.approve) return this.drafts.approve(target.dataset.approve);
      if (target.dataset.draftEdit) return this.drafts.openForm(target.dataset.draftEdit, "edit");
      if (target.dataset.draftReject)
        return this.drafts.openForm(target.dataset.draftReject, "reject");
      if (target.dataset.draftCancel) return this.drafts.closeForm(target.dataset.draftCancel);
      if (target.dataset.insert !== undefined) {
        this.pickers.insert(target.dataset.insert);
        for (const picker of $$("[data-picker]", panel)) show(picker, false);
        return;
      }
      if (target.dataset.admit) return this.act("admit", target.dataset.admit);
      if (target.dataset.turnAway) return this.act("turn-away", target.dataset.turnAway);
      const action = target.dataset.action;
      if (action === "canned" || action === "kb") this.pickers.toggle(action);
      else if (action === "end") this.end();
      else if (action === "invite" || action === "transfer" || action === "handover") {
        peopleDialog(this, action);
      } else if (action === "close") this.close();
      else this.act(action);
    });
  }

  destroy() {
    this.socket?.stop();
    this.socket = null;
    this.tab.remove();
    this.panel.remove();
  }
}

function fillFacts(list, rows) {
  fill(
    list,
    rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}
