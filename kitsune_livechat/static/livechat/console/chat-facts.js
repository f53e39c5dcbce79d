// The facts beside a chat in its panel: the visitor's question with their answers, the article
// (product, language, revision), the browser, and the transcript link; and the words for a
// chat's status. Reads the session it is given; owns nothing.

import { fill, gettext, h } from "../dom.js";
import { NULL_ID, bind, data, productName } from "./context.js";

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

/** A chat's status as the console words it. */
export function statusLabel(status) {
  return LABELS.status[status] || status;
}

/** Fill ``panel``'s side with what ``session`` (chat ``id``) tells about the visitor. */
export function renderFacts(panel, session, id) {
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
  bind("transcript", panel).href = data.transcriptUrl.replace(NULL_ID, id);
}

function fillFacts(list, rows) {
  fill(
    list,
    rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}
