/**
 * electron-builder configuration: LanChat's desktop packages.
 *
 * One configuration for everyone. With internet access, electron-builder
 * downloads the Electron version of the `electron` devDependency and its
 * tools (fpm, appimagetool, NSIS) as usual, and
 *   npx electron-builder --config build/electron-builder.cjs --linux
 * builds the Linux targets below. `npm run dist` (scripts/dist.mjs) wraps
 * this; without internet it adds `electronDist`/`electronVersion` for the
 * locally provisioned runtime and builds the targets that need no download.
 *
 * Everything the targets need besides the app lives in this folder
 * (electron-builder's `buildResources`, never packaged): icon.svg and the
 * icons rendered from it by make-icons.mjs, and the deb's desktop entry
 * template for electron-installer-debian (deb-desktop.ejs).
 *
 * @type {import('electron-builder').Configuration}
 */
module.exports = {
  appId: 'org.lanchat.app',
  productName: 'LanChat',
  copyright: 'Copyright © LanChat team',

  directories: {
    buildResources: 'build',
    output: 'release',
  },

  // Only what the app runs: the esbuild bundles and the renderer, plus
  // package.json (added by electron-builder). No sources, tests, benchmarks,
  // source maps or the CLI host (dist/server).
  //
  // Of the production node_modules only node-sqlite3-wasm is loaded at run
  // time: scripts/build.mjs bundles ws, sockjs and zod into dist/electron/*.js
  // and keeps node-sqlite3-wasm external, because it reads its .wasm file
  // from beside its own script. Update this list with build.mjs's
  // `external` (bufferutil and utf-8-validate are optional and absent).
  files: [
    'dist/electron/*.js',
    'dist/renderer/**/*',
    '!node_modules/**/*',
    'node_modules/node-sqlite3-wasm/{package.json,LICENSE,dist/*.js,dist/*.wasm}',
    '!**/*.{map,ts,cts,mts}',
  ],
  // Electron uses desktopName as the window's app_id/WM_CLASS on Linux; it
  // must match the installed .desktop file's name (syncDesktopName below).
  extraMetadata: { desktopName: 'lanchat.desktop' },

  // Everything stays inside app.asar, node-sqlite3-wasm's .wasm included:
  // the host's utility process reads it through Electron's asar support, and
  // a file inside the archive is covered by the asar integrity check, while
  // an unpacked one would not be.
  asar: true,
  // No native modules to rebuild (SQLite is WebAssembly); skipping the step
  // also means no Node headers download.
  npmRebuild: false,

  // Electron's hardening fuses, flipped in the packaged binary before
  // signing (https://www.electronjs.org/docs/latest/tutorial/fuses).
  // tests/packaging/packaged-app.e2e.test.ts reads them back: update it too.
  electronFuses: {
    // No ELECTRON_RUN_AS_NODE: the binary cannot be abused as a Node shell.
    // The host runs in a utilityProcess, which does not need it.
    runAsNode: false,
    enableCookieEncryption: true,
    // No NODE_OPTIONS and no --inspect: nothing from the environment or the
    // command line injects code into the main process.
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    // The app only loads from an app.asar whose header hash is embedded in
    // the executable (enforced on macOS and on Windows with Electron >= 30).
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    // Pages are served from app:// (electron/app-protocol.ts), never file://,
    // so file:// pages get no privileges beyond a browser's.
    grantFileProtocolExtraPrivileges: false,
    // One V8 snapshot for every process, Electron's default (the provisioned
    // offline runtime has no browser-process snapshot).
    loadBrowserProcessSpecificV8Snapshot: false,
    // Flipping fuses invalidates the ad-hoc signature of unsigned macOS builds.
    resetAdHocDarwinSignature: true,
  },

  // No fileAssociations: LanChat opens no documents. One URL scheme, for
  // invites (`lanchat://join?host=…&port=…&room=…`, server/protocol/invite.ts):
  // on Linux electron-builder turns it into the desktop entry's
  // `MimeType=x-scheme-handler/lanchat;` (app-builder-lib LinuxTargetHelper
  // computeDesktopEntry), on macOS into CFBundleURLTypes; at run time the app
  // registers itself too (electron/join-links.ts). scripts/dist.mjs passes the
  // same MIME types to the offline .deb's entry (deb-desktop.ejs); the
  // packaging test checks the installed entry.
  protocols: [{ name: 'LanChat invite', schemes: ['lanchat'] }],

  linux: {
    target: ['AppImage', 'deb', 'tar.gz'],
    executableName: 'lanchat',
    // A directory of <N>x<N>.png files, 16…1024 (make-icons.mjs).
    icon: 'icons',
    category: 'Network;Chat',
    synopsis: 'Host or join a chat room on your local network',
    maintainer: 'LanChat team <team@lanchat.local>',
    vendor: 'LanChat team',
    syncDesktopName: true,
    desktop: { entry: { Keywords: 'chat;lan;messaging;' } },
    artifactName: '${name}-${version}-linux-${arch}.${ext}',
  },
  deb: {
    // Debian's file name convention; scripts/dist.mjs gives the offline .deb the same name.
    artifactName: '${name}_${version}_${arch}.${ext}',
  },

  win: {
    target: ['nsis'],
    icon: 'icon.ico',
    artifactName: '${name}-${version}-win-${arch}-setup.${ext}',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    createStartMenuShortcut: true,
    shortcutName: 'LanChat',
  },

  mac: {
    target: ['dmg'],
    icon: 'icon.icns',
    category: 'public.app-category.social-networking',
    hardenedRuntime: true,
    artifactName: '${name}-${version}-mac-${arch}.${ext}',
  },
  dmg: {
    title: 'LanChat ${version}',
  },
};
