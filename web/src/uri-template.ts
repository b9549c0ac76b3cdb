/**
 * Just enough of RFC 6570 for resource templates: the variable names of a template, and
 * its expansion with string values (simple, reserved `+`, fragment `#`, and the
 * `/ . ; ? &` operators).
 */

const EXPRESSION = /\{([+#./;?&]?)([^}]*)\}/g;

function namesIn(list: string): string[] {
  return list
    .split(',')
    .map((v) => v.trim().replace(/\*$/, '').replace(/:\d+$/, ''))
    .filter(Boolean);
}

export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(EXPRESSION)) for (const name of namesIn(match[2])) if (!names.includes(name)) names.push(name);
  return names;
}

export function expandTemplate(template: string, values: Record<string, string>): string {
  return template.replace(EXPRESSION, (_all, operator: string, list: string) => {
    const names = namesIn(list).filter((name) => values[name] !== undefined && values[name] !== '');
    if (names.length === 0) return '';
    const encode = operator === '+' || operator === '#' ? encodeURI : encodeURIComponent;
    const parts = names.map((name) => (operator === ';' || operator === '?' || operator === '&' ? `${name}=${encode(values[name])}` : encode(values[name])));
    const first = operator === '+' || operator === '' ? '' : operator;
    const separator = operator === '' || operator === '+' || operator === '#' ? ',' : operator === '?' ? '&' : operator;
    return first + parts.join(separator);
  });
}
