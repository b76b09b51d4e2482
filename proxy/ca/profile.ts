/**
 * What a Witness CA certificate may vouch for: the extensions every CA certificate in the
 * chain carries (root and issuing CA alike, so a verifier that ignores constraints on a
 * self-signed root still meets them one level down). Pure: builds values, signs nothing.
 *
 *  - Name Constraints (critical):
 *      dNSName      permitted = the intercepted domains;
 *      iPAddress    excluded 0.0.0.0/0 and ::/0;
 *      rfc822Name, URI   no name at all (see noNameOfThisType);
 *      directoryName     permitted = `C=XX` only, the first RDN of every Witness certificate.
 *  - Extended Key Usage serverAuth: a verifier that chains EKUs (OpenSSL with a purpose,
 *    NSS, Windows, macOS) refuses S/MIME, client-auth and code-signing leaves under it.
 *
 * It must never widen a constraint to make a leaf pass: mockttp's leaves are
 * `C=XX, CN=<host>` with a dNSName SAN, which these constraints admit as they are.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, Name as AsnName, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

/**
 * The countryName that opens the subject of every certificate under a Witness CA. It is
 * mockttp's leaf default ("XX", the ISO 3166 code for "unknown"); the proxy passes it to
 * mockttp explicitly, because the CA's directoryName constraint permits nothing else.
 */
export const SUBJECT_COUNTRY = 'XX';

/** Reserved top-level name (RFC 6761): no real mailbox or URI host lies under it. */
const NOWHERE = 'invalid';

export function nameConstraints(subtrees: readonly string[]): NameConstraints {
  // asn1-x509 encodes "addr/prefix" as address || mask (RFC 5280 §4.2.1.10): /0 = the whole family.
  const ipAll = (cidr: string) => subtree({ iPAddress: cidr });
  return new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([
      ...subtrees.map((d) => subtree({ dNSName: d })),
      ...noNameOfThisType(),
      subtree({ directoryName: AsnConvert.parse(subjectPrefix().toArrayBuffer(), AsnName) }),
    ]),
    excludedSubtrees: new GeneralSubtrees([ipAll('0.0.0.0/0'), ipAll('::/0'), ...noNameOfThisType()]),
  });
}

/**
 * "No e-mail address, no URI": permit only names under `invalid`, and exclude those too.
 * RFC 5280 has no "everything" value for these types: OpenSSL reads a zero-length
 * rfc822Name or URI constraint as matching no name (so excluding it excludes nothing),
 * Go as matching every name. A name must be inside a permitted subtree and outside every
 * excluded one (§4.2.1.10), so this pair admits nothing in any conforming verifier.
 */
function noNameOfThisType(): GeneralSubtree[] {
  return [subtree({ rfc822Name: NOWHERE }), subtree({ uniformResourceIdentifier: NOWHERE })];
}

/** The directoryName subtree every Witness subject lies in (CA certificates included). */
export function subjectPrefix(): x509.Name {
  return new x509.Name([{ C: [SUBJECT_COUNTRY] }]);
}

export function nameConstraintsExtension(subtrees: readonly string[]): x509.Extension {
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(nameConstraints(subtrees)));
}

/** TLS server authentication only, on every CA certificate (EKU chaining). */
export function serverAuthOnly(): x509.Extension {
  return new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false);
}

/** Reads the permitted dNSName subtrees back out of a CA certificate. */
export function readPermittedSubtrees(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(id_ce_nameConstraints);
  if (!ext) return [];
  const nc = AsnConvert.parse(ext.value, NameConstraints);
  return Array.from(nc.permittedSubtrees ?? [], (s) => s.base.dNSName).filter((d): d is string => typeof d === 'string');
}

function subtree(name: ConstructorParameters<typeof GeneralName>[0]): GeneralSubtree {
  return new GeneralSubtree({ base: new GeneralName(name) });
}
