// The visitor's rating beside a chat the helper ended: how many stars, what they wrote, and
// whether the article helped. It arrives live on the console socket when the visitor rates,
// and is read once from the API when an ended chat's tab is shown (after a reload).

import { fmt, gettext, show } from "./dom.js";

/** Show `rating` ({score, comment, article_helped}) in the tab `panel`. */
export function showRating(panel, rating) {
  const box = panel?.querySelector('[data-bind="rating-panel"]');
  if (!box) return;
  const parts = [fmt(gettext("The visitor rated this chat %(score)s of 5."), rating)];
  if (rating.article_helped === true) parts.push(gettext("The article helped."));
  if (rating.article_helped === false) parts.push(gettext("The article did not help."));
  box.querySelector('[data-bind="rating-text"]').textContent = parts.join(" ");
  const comment = box.querySelector('[data-bind="rating-comment"]');
  comment.textContent = rating.comment ? `“${rating.comment}”` : "";
  show(comment, Boolean(rating.comment));
  box.dataset.rated = "1";
  show(box, true);
}

/** Read the rating of an ended chat once; nothing is shown until the visitor rated. */
export async function loadRating(api, panel, sessionId) {
  const box = panel?.querySelector('[data-bind="rating-panel"]');
  if (!box || box.dataset.rated || box.dataset.asked) return;
  box.dataset.asked = "1";
  try {
    showRating(panel, await api.get(`sessions/${sessionId}/rating`));
  } catch {
    /* not rated yet: it comes live when it is */
  }
}
