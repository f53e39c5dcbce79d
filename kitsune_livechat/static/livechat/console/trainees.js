// A mentor's trainees still in training: whom they may hand a chat to. Owns the list.

import { api, data } from "./context.js";

let mine = [];

export function myTrainees() {
  return mine;
}

export async function loadTrainees() {
  try {
    const trainees = await api.get("trainees");
    mine = trainees.filter(
      (trainee) => trainee.mentor === data.me && ["training", "proposed"].includes(trainee.stage),
    );
  } catch {
    mine = []; // not a mentor
  }
}
