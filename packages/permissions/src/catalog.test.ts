import { describe, expect, it } from 'vitest';
import { PERMISSIONS, PUBLISHER_PERMISSIONS, scopeOf } from './catalog';
import { PLATFORM_ROLES, PUBLISHER_TYPES, ROLE_TEMPLATES, templatesFor } from './role-templates';

describe('the permission catalog', () => {
  it('names each permission once, as resource:action, with a title and a description', () => {
    const keys = PERMISSIONS.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of PERMISSIONS) {
      expect(p.key).toMatch(/^[a-z_]+:[a-z_]+$/);
      expect(p.title.length, p.key).toBeGreaterThan(3);
      expect(p.description.length, p.key).toBeGreaterThan(10);
    }
  });

  it('depends only on permissions it lists', () => {
    const keys = new Set<string>(PERMISSIONS.map((p) => p.key));
    for (const p of PERMISSIONS) for (const d of p.dependsOn) expect(keys.has(d), `${p.key} → ${d}`).toBe(true);
  });
});

describe('role templates', () => {
  it('grant only catalog permissions, each with what it depends on', () => {
    for (const template of ROLE_TEMPLATES) {
      const granted = new Set<string>(template.permissions);
      for (const key of template.permissions) {
        const definition = PERMISSIONS.find((p) => p.key === key);
        expect(definition, `${template.key}: ${key}`).toBeDefined();
        for (const needed of definition!.dependsOn) expect(granted.has(needed), `${template.key}: ${key} needs ${needed}`).toBe(true);
      }
    }
  });

  it('give every publisher type an Owner with every permission, and only PLATFORM a Client role', () => {
    for (const type of PUBLISHER_TYPES) {
      const owner = templatesFor(type).find((t) => t.key === 'owner');
      expect(owner?.permissions).toEqual(PUBLISHER_PERMISSIONS);
      expect(templatesFor(type).some((t) => t.key === 'client')).toBe(type === 'PLATFORM');
    }
  });
});

describe('scopes', () => {
  it('keep publisher roles to PUBLISHER permissions and platform roles to PLATFORM ones', () => {
    const scope = new Map(PERMISSIONS.map((p) => [p.key as string, scopeOf(p)]));
    for (const template of ROLE_TEMPLATES)
      for (const key of template.permissions) expect(scope.get(key), `${template.key}: ${key}`).toBe('PUBLISHER');
    for (const role of PLATFORM_ROLES) {
      expect(role.key).toMatch(/^platform:[a-z]+$/);
      for (const key of role.permissions) expect(scope.get(key), `${role.key}: ${key}`).toBe('PLATFORM');
    }
  });

  it('let a permission depend only on permissions of its own scope', () => {
    const scope = new Map(PERMISSIONS.map((p) => [p.key as string, scopeOf(p)]));
    for (const p of PERMISSIONS) for (const d of p.dependsOn) expect(scope.get(d), `${p.key} → ${d}`).toBe(scopeOf(p));
  });
});
