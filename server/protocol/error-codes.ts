/**
 * Stable string codes carried by `error` messages, in the style of ws's
 * `WS_ERR_*` codes. Clients switch on these, never on the human text.
 * Listed in the README's "Error codes" table — update both together.
 *
 * @public
 */
export const ErrorCode = {
  /** The frame was not valid JSON. */
  InvalidJson: 'CHAT_ERR_INVALID_JSON',
  /** The JSON had no recognised `type`. */
  UnknownType: 'CHAT_ERR_UNKNOWN_TYPE',
  /** A required field is missing or has the wrong type or shape. */
  InvalidMessage: 'CHAT_ERR_INVALID_MESSAGE',
  /**
   * The display name is empty, too long, or holds characters names may not
   * have: control characters (NUL included), bidi controls, zero-width and
   * other invisible format characters.
   */
  InvalidName: 'CHAT_ERR_INVALID_NAME',
  /** The room name is empty, too long or uses characters rooms may not have (control, bidi, zero-width included). */
  InvalidRoom: 'CHAT_ERR_INVALID_ROOM',
  /** The message text is empty (or only whitespace). */
  EmptyText: 'CHAT_ERR_EMPTY_TEXT',
  /** The message text is longer than the host's limit. */
  TextTooLong: 'CHAT_ERR_TEXT_TOO_LONG',
  /**
   * The join would create a room whose name looks the same as an existing
   * room's ("lоbby" with a Cyrillic о next to "lobby"): join that room instead.
   */
  RoomLookalike: 'CHAT_ERR_ROOM_LOOKALIKE',
  /**
   * The host has no room of that name and the join did not ask to create
   * one (`join.create`). Clients list the host's rooms (`GET /rooms`) and
   * ask the user before joining again with `create: true`.
   */
  NoSuchRoom: 'CHAT_ERR_NO_SUCH_ROOM',
  /** The host has no room of that name and does not let its members create rooms. */
  RoomCreationForbidden: 'CHAT_ERR_ROOM_CREATION_FORBIDDEN',
  /** A `send` or `leave` arrived before a successful `join`. */
  NotJoined: 'CHAT_ERR_NOT_JOINED',
  /**
   * Someone in the room already uses that name, compared without letter
   * case, or one that looks the same (its Unicode TR39 confusable skeleton
   * is the same: "Аlice" with a Cyrillic А, "ａｌｉｃｅ").
   */
  NameTaken: 'CHAT_ERR_NAME_TAKEN',
  /** The room is protected and the join carried no password. */
  PasswordRequired: 'CHAT_ERR_PASSWORD_REQUIRED',
  /** The room is protected and the password is wrong. */
  WrongPassword: 'CHAT_ERR_WRONG_PASSWORD',
  /**
   * Too many wrong passwords from this address: the join was refused before
   * its password was checked. The error's `retryAfterMs` says when the next
   * attempt will be looked at.
   */
  TooManyAttempts: 'CHAT_ERR_TOO_MANY_ATTEMPTS',
  /** The room has as many members as the host allows. */
  RoomFull: 'CHAT_ERR_ROOM_FULL',
  /** The host has as many rooms as it allows, so a new one cannot be created. */
  TooManyRooms: 'CHAT_ERR_TOO_MANY_ROOMS',
  /**
   * This connection, or its address, created new rooms faster than the host
   * allows; joining a room that exists still works. Try again later.
   */
  TooManyNewRooms: 'CHAT_ERR_TOO_MANY_NEW_ROOMS',
  /** The connection sent messages faster than the host allows; this one was not stored. */
  RateLimited: 'CHAT_ERR_RATE_LIMITED',
  /** The host could not save the message (e.g. disk full); it was not sent. Retry later. */
  Storage: 'CHAT_ERR_STORAGE',
  /**
   * The host wrote this message (`ref`) and showed it to the room as
   * `seq` (in the text), but could not flush it to disk, so it cannot
   * confirm it is saved. The client keeps it and resends it after the host
   * restarts; the host recognises the resend by its id and acknowledges it
   * with the seq members saw.
   */
  Unconfirmed: 'CHAT_ERR_UNCONFIRMED',
  /** The host hit an unexpected error handling this message. */
  Internal: 'CHAT_ERR_INTERNAL',
} as const;

/** One of the error codes LanChat sends. @public */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
