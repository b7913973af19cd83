/*
 * The classic bridge, served at /sw.js to a page that registers it as a classic script: a
 * page of a build from before the module worker (its cached app.js has no `type:
 * "module"`). It serves the new build's shell with the same code as the module worker
 * (sw-shell.js) and takes over only when that page's outbox is empty; the new page then
 * registers the module worker (/sw.js?v=<version>&type=module), which takes over the same
 * way. Without it such a phone would fail to install any newer worker (a classic script
 * cannot `import`) and keep its old build for good. A browser that refuses module workers
 * registers it itself (app.js): the offline shell there, without Background Sync.
 */
importScripts("/static/sw-shell.js");
