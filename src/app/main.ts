/** App entry point: registers the custom elements. */
