/**
 * The LanChat server as a library.
 *
 * @public
 */
export { createChatServer, type ChatServer, type ChatServerState, type HealthReport } from './chat-server';
export { ChatError, HistoryStoreError, HostStartError, type HistoryErrorCode } from './errors';
export { createConsoleLogger, silentLogger, type Logger, type LogLevel } from './logger';
export type { ChatServerOptions, SockJsOptions } from './options';
export * from './protocol';
