import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { Obj } from './rendered-objects.js';

/**
 * A CloudFormation YAML template read offline, as CloudFormation reads it: the short-form intrinsic
 * functions (`!Ref`, `!Sub`, `!GetAtt`, ...) become their long form (`{ Ref: ... }`,
 * `{ 'Fn::Sub': ... }`), an unknown `!Tag` is an error, and so are the YAML features CloudFormation
 * does not accept (anchors, aliases, merge keys). Then the template-level rules every resource type
 * shares: known top-level sections, alphanumeric logical ids, parameters with a known type whose
 * default fits their constraints, and every `Ref` / `${Name}` naming a parameter, a resource or a
 * pseudo parameter.
 */
const INTRINSICS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  FindInMap: 'Fn::FindInMap',
  GetAtt: 'Fn::GetAtt',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  Sub: 'Fn::Sub',
  Transform: 'Fn::Transform',
  And: 'Fn::And',
  Equals: 'Fn::Equals',
  If: 'Fn::If',
  Not: 'Fn::Not',
  Or: 'Fn::Or',
  ToJsonString: 'Fn::ToJsonString',
  Length: 'Fn::Length',
};
const SECTIONS = ['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs'];
const PSEUDO_PARAMETERS = ['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix'];
const PARAMETER_TYPES = /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9:]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::Value<.+>)$/;
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;

export interface Template {
  template: Obj | undefined;
  problems: string[];
}

export function parseTemplate(text: string): Template {
  const problems: string[] = [];
  const document = parseDocument(text, { uniqueKeys: true, merge: false, strict: true });
  for (const error of document.errors) problems.push(`YAML: ${error.message.split('\n')[0]}`);
  if (document.errors.length > 0) return { template: undefined, problems };
  const template = toCloudFormation(document.contents, problems, '$');
  if (typeof template !== 'object' || template === null || Array.isArray(template)) return { template: undefined, problems: [...problems, 'the template is not a mapping'] };
  problems.push(...templateProblems(template as Obj));
  return { template: template as Obj, problems };
}

function toCloudFormation(node: Node | null, problems: string[], where: string): unknown {
  if (node === null) return null;
  if (isAlias(node)) {
    problems.push(`${where}: YAML alias *${node.source}: CloudFormation does not resolve aliases`);
    return null;
  }
  if ('anchor' in node && node.anchor) problems.push(`${where}: YAML anchor &${node.anchor}: CloudFormation does not resolve anchors`);
  let value: unknown;
  if (isMap(node)) {
    const object: Obj = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (key === '<<') problems.push(`${where}: merge key <<: CloudFormation does not support it`);
      object[key] = isPair(pair) ? toCloudFormation(pair.value as Node | null, problems, `${where}.${key}`) : null;
    }
    value = object;
  } else if (isSeq(node)) {
    value = node.items.map((item, i) => toCloudFormation(item as Node | null, problems, `${where}[${i}]`));
  } else if (isScalar(node)) {
    value = node.value;
  }
  const tag = node.tag;
  if (!tag || !tag.startsWith('!')) return value;
  const name = INTRINSICS[tag.slice(1)];
  if (!name) {
    problems.push(`${where}: unknown tag ${tag} (CloudFormation knows ${Object.keys(INTRINSICS).map((n) => `!${n}`).join(', ')})`);
    return value;
  }
  // `!GetAtt Resource.Attribute` is the one short form whose scalar splits into a list.
  if (name === 'Fn::GetAtt' && typeof value === 'string') return { [name]: value.split('.', 2) };
  return { [name]: value };
}

function templateProblems(template: Obj): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(template).filter((k) => !SECTIONS.includes(k))) problems.push(`unknown top-level section ${key}`);
  if (template.AWSTemplateFormatVersion !== undefined && template.AWSTemplateFormatVersion !== '2010-09-09') problems.push('AWSTemplateFormatVersion must be 2010-09-09 (a string)');
  if (typeof template.Description === 'string' && template.Description.length > 1024) problems.push('Description is longer than 1024 characters');
  const parameters: Obj = template.Parameters ?? {};
  const resources: Obj = template.Resources ?? {};
  if (Object.keys(resources).length === 0) problems.push('Resources is required and must not be empty');
  for (const [section, entries] of [['Parameters', parameters], ['Resources', resources], ['Outputs', template.Outputs ?? {}]] as const) {
    for (const id of Object.keys(entries)) if (!LOGICAL_ID.test(id)) problems.push(`${section}.${id}: logical ids are letters and digits only`);
  }
  for (const [id, parameter] of Object.entries(parameters) as Array<[string, Obj]>) {
    if (!PARAMETER_TYPES.test(String(parameter?.Type))) problems.push(`Parameters.${id}: Type ${parameter?.Type} is not a parameter type`);
    const fallback = parameter?.Default;
    if (fallback === undefined) continue;
    if (parameter.AllowedPattern && !new RegExp(`^(?:${String(parameter.AllowedPattern).replace(/^\^|\$$/g, '')})$`).test(String(fallback))) problems.push(`Parameters.${id}: Default ${fallback} does not match AllowedPattern`);
    if (Array.isArray(parameter.AllowedValues) && !parameter.AllowedValues.map(String).includes(String(fallback))) problems.push(`Parameters.${id}: Default ${fallback} is not one of AllowedValues`);
    if (parameter.MinLength !== undefined && String(fallback).length < Number(parameter.MinLength)) problems.push(`Parameters.${id}: Default is shorter than MinLength`);
  }
  const known = new Set([...Object.keys(parameters), ...Object.keys(resources), ...PSEUDO_PARAMETERS]);
  for (const { where, name } of references(template)) if (!known.has(name)) problems.push(`${where}: ${name} is not a parameter, resource or pseudo parameter`);
  for (const [id, resource] of Object.entries(resources) as Array<[string, Obj]>) {
    if (typeof resource?.Type !== 'string') problems.push(`Resources.${id}: has no Type`);
    for (const key of Object.keys(resource ?? {})) {
      if (!['Type', 'Properties', 'DependsOn', 'Condition', 'Metadata', 'DeletionPolicy', 'UpdateReplacePolicy', 'CreationPolicy', 'UpdatePolicy'].includes(key)) problems.push(`Resources.${id}: unknown attribute ${key}`);
    }
  }
  return problems;
}

/** Every name a `Ref`, `Fn::GetAtt` or `Fn::Sub` string refers to. */
function references(node: unknown, where = '$'): Array<{ where: string; name: string }> {
  if (Array.isArray(node)) return node.flatMap((item, i) => references(item, `${where}[${i}]`));
  if (typeof node !== 'object' || node === null) return [];
  const object = node as Obj;
  const found: Array<{ where: string; name: string }> = [];
  if (typeof object.Ref === 'string') found.push({ where, name: object.Ref });
  if (Array.isArray(object['Fn::GetAtt'])) found.push({ where, name: String(object['Fn::GetAtt'][0]) });
  const sub = object['Fn::Sub'];
  const [text, variables] = typeof sub === 'string' ? [sub, {}] : Array.isArray(sub) ? [String(sub[0]), (sub[1] ?? {}) as Obj] : [undefined, {}];
  if (text !== undefined) {
    // ${Name} and ${Resource.Attribute}; ${!Literal} is an escaped literal.
    for (const [, name = ''] of text.matchAll(/\$\{(?!!)([^}]+)\}/g)) if (!(name in variables)) found.push({ where, name: name.split('.')[0]! });
  }
  return [...found, ...Object.entries(object).flatMap(([key, value]) => references(value, `${where}.${key}`))];
}
