/** Set by the build (scripts/build-extension.mjs): true in the development build only. */
declare const __GHL_BRIDGE_DEV__: boolean;
