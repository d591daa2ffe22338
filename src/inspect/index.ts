/** `scb inspect`: an image's provenance graph and the customer's verdict. See docs/inspect.md. */
export * from './inspect';
export * from './render-text';
export * from './report';
