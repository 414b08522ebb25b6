// Which conversation this browser is in: the sender id (128 random bits from the browser's
// CSPRNG) with an expiry, in localStorage so that another tab or a reload continues it, for
// `keepMinutes` after the last message. Only the id and the panel's open state are stored,
// never the messages: the server shows them again (its history endpoint). Start over forgets it.
const KEY = "recovery-bot-session";

/** 128 random bits as hex: a session id, or a message's id (connection.js). */
export function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function pick(kind) {
  try {
    const storage = kind === "session" ? window.sessionStorage : window.localStorage;
    storage.setItem(`${KEY}-probe`, "1");
    storage.removeItem(`${KEY}-probe`);
    return storage;
  } catch (blocked) {
    return null; // storage disabled: the conversation lasts as long as the page
  }
}

function read(storage) {
  try {
    const record = JSON.parse(storage.getItem(KEY) || "null");
    if (record && /^[0-9a-f]{32}$/.test(record.id) && record.expires > Date.now()) return record;
  } catch (garbled) {
    // a value this widget did not write: start afresh
  }
  return null;
}

/**
 * The conversation's store. `kind` "session" keeps it to this tab; anything else shares it
 * between the site's tabs. `onSwitched(id)` runs when another tab started over.
 */
export function openSession({ kind, keepMinutes, onSwitched }) {
  const storage = pick(kind);
  const keepMs = Math.max(1, keepMinutes) * 60_000;
  let record = (storage && read(storage)) || { id: randomId(), open: false };

  function save() {
    record.expires = Date.now() + keepMs;
    if (storage) storage.setItem(KEY, JSON.stringify(record));
  }
  save();

  if (storage === window.localStorage) {
    window.addEventListener("storage", (event) => {
      if (event.key !== KEY) return;
      const other = read(storage);
      if (other && other.id !== record.id) {
        record = other;
        onSwitched(other.id);
      }
    });
  }

  return {
    get id() {
      return record.id;
    },
    get open() {
      return Boolean(record.open);
    },
    /** The server chose another id (ours did not look random enough). */
    adopt(id) {
      record.id = id;
      save();
    },
    /** Something happened in the conversation: it is kept `keepMinutes` from now. */
    touch() {
      save();
    },
    setOpen(open) {
      record.open = open;
      save();
    },
    /** Forgets this conversation: a new id, so the server starts a new one. */
    startOver() {
      record = { id: randomId(), open: record.open };
      save();
      return record.id;
    },
  };
}
