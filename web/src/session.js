// The conversation's sender id: 128 random bits from the browser's CSPRNG, kept in the
// page's storage so that a reload continues the same conversation.
const KEY = "recovery-bot-session";

function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function pickStorage(kind) {
  try {
    const storage = kind === "local" ? window.localStorage : window.sessionStorage;
    storage.setItem(`${KEY}-probe`, "1");
    storage.removeItem(`${KEY}-probe`);
    return storage;
  } catch (blocked) {
    return null; // storage disabled: the conversation lasts as long as the page
  }
}

export function rememberSessionId(storage, id) {
  if (storage) storage.setItem(KEY, id);
}

export function sessionId(storage) {
  const stored = storage && storage.getItem(KEY);
  if (stored && /^[0-9a-f]{32}$/.test(stored)) return stored;
  const fresh = randomId();
  rememberSessionId(storage, fresh);
  return fresh;
}
