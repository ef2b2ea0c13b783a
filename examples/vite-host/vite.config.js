// The package ships prebuilt workers found with `new URL(…, import.meta.url)`: Vite bundles them on `vite build`;
// its dev-server pre-bundling would move the package away from its workers, so it is excluded from it.
export default {
  optimizeDeps: { exclude: ['memory-r1-web'] },
};
