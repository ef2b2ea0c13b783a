/** Registers custom elements, skipping tags already defined (by an earlier script or a second copy of the package). */

/** Defines each `[tag, class]` pair whose tag is not defined yet. */
export function defineAll(elements: readonly (readonly [string, CustomElementConstructor])[]): void {
  for (const [tag, ctor] of elements) if (!customElements.get(tag)) customElements.define(tag, ctor);
}
