import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, test } from 'node:test';
import { isPatchbayError } from '../core/errors.ts';
import { validateClientCredentials, validatePreregisteredClient } from './oauth-client-config.ts';
import { type OAuthRecordKind, type OAuthStorage, PatchbayOAuthProvider } from './oauth-provider.ts';

const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const EC_PEM = ecKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const RSA_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const refused = (e: unknown) => isPatchbayError(e, 'VALIDATION_FAILED');

function memoryStorage(): OAuthStorage {
  const records = new Map<string, unknown>();
  return {
    load: async <T>(kind: OAuthRecordKind, issuer: string) => records.get(`${kind} ${issuer}`) as T | undefined,
    save: async (kind, issuer, value) => void records.set(`${kind} ${issuer}`, value),
    remove: async (kind, issuer) => {
      for (const key of [...records.keys()]) if (key.startsWith(`${kind} ${issuer ?? ''}`)) records.delete(key);
    },
  };
}

describe('pre-registered clients', () => {
  test('a secret means client_secret_basic unless told otherwise; no secret means a public client', () => {
    assert.deepEqual(validatePreregisteredClient({ client_id: ' app ', client_secret: 's' }), { client_id: 'app', client_secret: 's', token_endpoint_auth_method: 'client_secret_basic' });
    assert.deepEqual(validatePreregisteredClient({ client_id: 'app', client_secret: 's', token_endpoint_auth_method: 'client_secret_post' }), {
      client_id: 'app',
      client_secret: 's',
      token_endpoint_auth_method: 'client_secret_post',
    });
    assert.deepEqual(validatePreregisteredClient({ client_id: 'app' }), { client_id: 'app', token_endpoint_auth_method: 'none' });
  });

  test('refuses what the server would refuse later', () => {
    assert.throws(() => validatePreregisteredClient({ client_id: '' }), refused);
    assert.throws(() => validatePreregisteredClient({ client_id: 'a\nb' }), refused);
    assert.throws(() => validatePreregisteredClient({ client_id: 'app', token_endpoint_auth_method: 'client_secret_basic' }), refused, 'a method that needs a secret, without one');
    assert.throws(() => validatePreregisteredClient({ client_id: 'app', client_secret: 's', token_endpoint_auth_method: 'none' }), refused);
    assert.throws(() => validatePreregisteredClient({ client_id: 'app', client_secret: 'line\nbreak' }), refused);
    assert.throws(() => validatePreregisteredClient({ client_id: 'app', client_secret: 's', token_endpoint_auth_method: 'private_key_jwt' as never }), refused);
  });
});

describe('machine clients (client credentials)', () => {
  test('a secret, or a key whose algorithm follows from its type', () => {
    assert.deepEqual(validateClientCredentials({ client_id: 'robot', client_secret: 's', scope: ' a  b ' }), {
      client_id: 'robot',
      client_secret: 's',
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'a b',
    });
    assert.equal(validateClientCredentials({ client_id: 'robot', private_key_pem: EC_PEM }).signing_algorithm, 'ES256');
    assert.equal(validateClientCredentials({ client_id: 'robot', private_key_pem: RSA_PEM }).signing_algorithm, 'RS256');
    assert.equal(validateClientCredentials({ client_id: 'robot', private_key_pem: RSA_PEM, signing_algorithm: 'PS384' }).token_endpoint_auth_method, 'private_key_jwt');
  });

  test('refuses neither or both, unreadable keys, and algorithms that do not fit the key', () => {
    assert.throws(() => validateClientCredentials({ client_id: 'robot' }), refused);
    assert.throws(() => validateClientCredentials({ client_id: 'robot', client_secret: 's', private_key_pem: EC_PEM }), refused);
    assert.throws(() => validateClientCredentials({ client_id: 'robot', private_key_pem: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }), refused);
    assert.throws(() => validateClientCredentials({ client_id: 'robot', private_key_pem: EC_PEM, signing_algorithm: 'RS256' }), refused);
    assert.throws(() => validateClientCredentials({ client_id: 'robot', private_key_pem: EC_PEM, signing_algorithm: 'HS256' }), refused, 'no shared-secret JWTs');
    assert.throws(() => validateClientCredentials({ client_id: 'robot', private_key_pem: EC_PEM, token_endpoint_auth_method: 'client_secret_basic' }), refused);
    assert.throws(() => validateClientCredentials({ client_id: 'robot', client_secret: 's', token_endpoint_auth_method: 'private_key_jwt' }), refused);
    assert.throws(() => validateClientCredentials({ client_id: 'robot', client_secret: 's', scope: 'a"b' }), refused);
  });

  test('the provider of a machine client never redirects and asks with client_credentials', async () => {
    const machine = validateClientCredentials({ client_id: 'robot', client_secret: 's', scope: 'mcp:read' });
    const provider = new PatchbayOAuthProvider({ storage: memoryStorage(), redirectUrl: 'http://127.0.0.1:7410/oauth/callback', connector: 'x', clientCredentials: machine });
    assert.equal(provider.redirectUrl, undefined);
    assert.deepEqual(provider.clientMetadata.grant_types, ['client_credentials']);
    assert.equal(provider.prepareTokenRequest('mcp:read')?.toString(), 'grant_type=client_credentials&scope=mcp%3Aread');
    assert.deepEqual(await provider.clientInformation({ issuer: 'https://as.example' }), {
      client_id: 'robot',
      client_secret: 's',
      token_endpoint_auth_method: 'client_secret_basic',
      issuer: 'https://as.example',
    });
    assert.equal(provider.addClientAuthentication, undefined, 'a secret is sent the way the SDK chooses');

    const person = new PatchbayOAuthProvider({ storage: memoryStorage(), redirectUrl: 'http://127.0.0.1:7410/oauth/callback', connector: 'x' });
    assert.equal(person.redirectUrl, 'http://127.0.0.1:7410/oauth/callback');
    assert.equal(person.prepareTokenRequest('mcp:read'), undefined, 'an interactive client redeems its authorization code');
  });

  test('a machine client with a key signs a client assertion the server can verify (RFC 7523)', async () => {
    const machine = validateClientCredentials({ client_id: 'robot', private_key_pem: EC_PEM });
    const provider = new PatchbayOAuthProvider({ storage: memoryStorage(), redirectUrl: 'http://127.0.0.1:7410/oauth/callback', connector: 'x', clientCredentials: machine });
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    await provider.addClientAuthentication?.(new Headers(), params, 'https://as.example/token', { issuer: 'https://as.example' } as never);
    assert.equal(params.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [header, payload, signature] = (params.get('client_assertion') ?? '').split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.equal(JSON.parse(Buffer.from(header, 'base64url').toString()).alg, 'ES256');
    assert.deepEqual([claims.iss, claims.sub, claims.aud], ['robot', 'robot', 'https://as.example']);
    const valid = verify('sha256', Buffer.from(`${header}.${payload}`), { key: ecKey.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    assert.equal(valid, true, 'signed with the configured key');
  });
});
