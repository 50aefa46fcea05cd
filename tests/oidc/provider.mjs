// A real OpenID Connect provider on loopback for the SSO test (npm oidc-provider, its dev login form:
// any login name is accepted and becomes the subject; e-mail = <login>@xz.gov.cn).
// usage: node provider.mjs <port> <redirect_uri>
import Provider from 'oidc-provider';

const [port, redirect] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'tracker', client_secret: 'tracker-test-secret',
    redirect_uris: [redirect], post_logout_redirect_uris: [redirect], grant_types: ['authorization_code'], response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: `${id}@xz.gov.cn`, email_verified: true, name: id }),
  }),
  pkce: { required: () => false },
  features: { devInteractions: { enabled: true } },
  conformIdTokenClaims: false, // put e-mail and name into the ID token, as government SSO usually does
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`oidc provider at ${issuer}`));
