import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema, schema } from '../src/schema/index.js';

/** Types the docs pane shows: everything but introspection types and the built-in scalars. */
function documentedTypes(): GraphQLNamedType[] {
  return Object.values(schema.getTypeMap()).filter(
    (type) => !type.name.startsWith('__') && !isSpecifiedScalarType(type),
  );
}

const described = (x: { description?: string | null | undefined }) => (x.description ?? '').trim().length > 0;

/** Every element without a description, as "kind Coordinate" (e.g. "field Query.partners", "argument Query.partners(first:)"). */
function undescribed(): string[] {
  const missing: string[] = [];
  for (const type of documentedTypes()) {
    if (!described(type)) missing.push(`type ${type.name}`);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        if (!described(field)) missing.push(`field ${type.name}.${field.name}`);
        for (const arg of field.args as readonly GraphQLArgument[]) {
          if (!described(arg)) missing.push(`argument ${type.name}.${field.name}(${arg.name}:)`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field)) missing.push(`input field ${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!described(value)) missing.push(`enum value ${type.name}.${value.name}`);
      }
    }
  }
  return missing;
}

describe('schema documentation', () => {
  it('describes every type, field, argument, input field and enum value', () => {
    const missing = undescribed();
    expect(missing, `undescribed schema elements (${missing.length}):\n${missing.join('\n')}`).toEqual([]);
  });

  it('walks the whole served schema (the check covers what GraphiQL shows)', () => {
    const names = documentedTypes().map((t) => t.name);
    for (const name of ['Query', 'Mutation', 'Subscription', 'Node', 'PageInfo', 'DateTime', 'ASN', 'UserErrorCode']) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('String');
    expect(names.some((n) => n.startsWith('__'))).toBe(false);
  });

  it('prints every description in the SDL (schema/schema.graphql shows them too)', () => {
    const sdl = printedSchema();
    const notPrinted = allDescriptions().filter(
      ({ text }) => !sdl.includes(text) && !sdl.includes(JSON.stringify(text).slice(1, -1)),
    );
    expect(allDescriptions().length).toBeGreaterThan(400);
    expect(notPrinted.map((d) => d.where)).toEqual([]);
  });
});

/** The description of every documented element, with where it sits. */
function allDescriptions(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const add = (where: string, x: { description?: string | null | undefined }) => {
    if (described(x)) out.push({ where, text: (x.description as string).trim() });
  };
  for (const type of documentedTypes()) {
    add(type.name, type);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        add(`${type.name}.${field.name}`, field);
        for (const arg of field.args) add(`${type.name}.${field.name}(${arg.name}:)`, arg);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) add(`${type.name}.${field.name}`, field);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) add(`${type.name}.${value.name}`, value);
    }
  }
  return out;
}
