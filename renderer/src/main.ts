/**
 * Renderer entry: configures the shared protocol's validator for this page,
 * then mounts the app into #app.
 */
import { mount } from 'svelte';
import { config as configureZod } from 'zod';

import App from './App.svelte';
import './app.css';

// The page's CSP has no 'unsafe-eval'. Zod would otherwise probe with
// `Function('')` for its compiled fast path, which the CSP refuses with a
// console violation; jitless mode skips the probe and parses the same.
configureZod({ jitless: true });

const target = document.getElementById('app');
if (target === null) throw new Error('index.html must contain an element with id "app".');

/** The mounted root component. */
export default mount(App, { target });
