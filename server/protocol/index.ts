/**
 * The LanChat wire protocol, shared by the server and every client.
 * Imports nothing from Node: the renderer bundles it as it is.
 *
 * @public
 */
export * from './close-codes';
export * from './decode';
export * from './error-codes';
export * from './limits';
export * from './messages';
export * from './names';
export * from './announcement';
export * from './invite';
export * from './rooms-report';
export * from './fingerprint';
