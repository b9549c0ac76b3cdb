/** Plain-text table: columns padded to their widest cell, numbers right-aligned. */
export function formatTable(header: string[], rows: string[][], options: { groupBy?: number } = {}): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+\d.—×]+$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous: string | undefined;
  for (const row of rows) {
    if (options.groupBy !== undefined) {
      const group = row[options.groupBy];
      if (previous !== undefined && group !== previous) out.push('');
      const shown = group === previous ? [...row.slice(0, options.groupBy), '', ...row.slice(options.groupBy + 1)] : row;
      previous = group;
      out.push(line(shown));
    } else out.push(line(row));
  }
  return out.join('\n');
}
