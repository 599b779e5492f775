/**
 * What the start screen remembers between visits, in localStorage.
 */

/** localStorage key of the display name. */
export const NAME_STORAGE_KEY = 'lanchat.name';

/** The remembered display name, or '' when there is none. */
export function loadName(): string {
  try {
    return localStorage.getItem(NAME_STORAGE_KEY) ?? '';
  } catch {
    // Storage can be disabled (privacy settings, some file:// setups); start blank.
    return '';
  }
}

/**
 * Remembers the display name for next time.
 * @param name - the name to remember
 */
export function saveName(name: string): void {
  try {
    localStorage.setItem(NAME_STORAGE_KEY, name);
  } catch {
    // Remembering is a convenience; without storage the user just types it again.
  }
}

/** localStorage key set once the user has read what hosting on the local network means. */
export const LAN_NOTICE_STORAGE_KEY = 'lanchat.lanHostingNoticeAcknowledged';

/** Whether the user has already acknowledged the LAN hosting notice. */
export function loadLanNoticeAcknowledged(): boolean {
  try {
    return localStorage.getItem(LAN_NOTICE_STORAGE_KEY) === 'yes';
  } catch {
    // Without storage the notice shows again: better said twice than never.
    return false;
  }
}

/** Remembers that the user acknowledged the LAN hosting notice. */
export function saveLanNoticeAcknowledged(): void {
  try {
    localStorage.setItem(LAN_NOTICE_STORAGE_KEY, 'yes');
  } catch {
    // As above: the notice will show again next time, which does no harm.
  }
}
