// Test helper: the catalogue `code` of what a call throws (undefined when it does not throw), so
// specs assert on stable codes rather than message text.
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}
