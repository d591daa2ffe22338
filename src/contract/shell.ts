/**
 * Quotes a value for a POSIX shell, so it is passed as exactly one word.
 * - `minimal` (for commands people read and paste): left bare when it holds only characters no
 *   shell treats specially, else single-quoted.
 * - `always` (for generated scripts, where a reviewer should see every value as a literal):
 *   single-quoted whatever it holds.
 * Inside single quotes a `'` becomes `'\''`.
 * @default style 'minimal'
 */
export function shellQuote(value: string, style: 'minimal' | 'always' = 'minimal'): string {
  return style === 'minimal' && /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
