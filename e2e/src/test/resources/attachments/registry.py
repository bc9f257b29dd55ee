"""A small OCI distribution client written for the tests, independent of airlock.

It speaks the distribution API with the standard library only (urllib): monolithic blob upload
(POST then PUT ?digest=), manifests pushed as the exact bytes given, manifests and blobs fetched
and checked against their digests, tag lists paged with n/last and the Link header. It exists so
that fixtures pushed to a registry and checks run against one do not go through airlock's own
registry client: a bug shared by airlock's writer and reader cannot hide itself here.

Plain HTTP by default; with --ca-file the registry is reached over HTTPS, and --user/--password
send basic auth on every request (Debian's docker-registry with htpasswd answers 401 otherwise).
"""

import base64
import hashlib
import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
ALL_MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)


class Failure(Exception):
    """A check or a push that did not hold: the message is the one line a caller prints."""


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tag_for(digest, suffix=""):
    """cosign's tag convention and the referrers tag schema: sha256:HEX -> sha256-HEX[suffix]."""
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64:
        raise Failure("not a sha256 digest: %r" % digest)
    return "%s-%s%s" % (algo, hexpart, suffix)


def canonical_json(obj):
    """Compact JSON, keys in the order given: the producers build dicts in the field order of the
    Go structs cosign and oras marshal, so the bytes have the shape those tools write."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Registry:
    def __init__(self, host, ca_file=None, user=None, password=None, timeout=30):
        self.host = host
        self.timeout = timeout
        self.scheme = "https" if ca_file else "http"
        self.context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self.auth = None
        if user is not None:
            token = base64.b64encode(("%s:%s" % (user, password or "")).encode()).decode()
            self.auth = "Basic " + token

    @staticmethod
    def from_args(args):
        return Registry(args.registry, args.ca_file, args.user, args.password)

    # -- HTTP ---------------------------------------------------------------------------------

    def url(self, path):
        return "%s://%s%s" % (self.scheme, self.host, path)

    def request(self, method, url, body=None, headers=None):
        """Returns (status, headers, body); raises Failure on a transport error, never on a status."""
        if not url.startswith("http"):
            url = self.url(url)
        req = urllib.request.Request(url, data=body, method=method)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if self.auth:
            req.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self.context) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except (urllib.error.URLError, OSError) as e:
            raise Failure("%s %s: %s" % (method, url, e)) from e

    # -- push ---------------------------------------------------------------------------------

    def push_blob(self, repo, data):
        """Uploads data monolithically (POST, then PUT with ?digest=) unless it is there; returns its digest."""
        digest = sha256(data)
        status, _, _ = self.request("HEAD", "/v2/%s/blobs/%s" % (repo, digest))
        if status == 200:
            return digest
        status, headers, body = self.request("POST", "/v2/%s/blobs/uploads/" % repo, b"")
        if status != 202 or not headers.get("Location"):
            raise Failure("blob upload to %s not opened: HTTP %d %s" % (repo, status, body[:200]))
        location = urllib.parse.urljoin(self.url("/v2/%s/blobs/uploads/" % repo), headers["Location"])
        sep = "&" if "?" in location else "?"
        status, headers, body = self.request("PUT", location + sep + "digest=" + urllib.parse.quote(digest), data,
                                             {"Content-Type": "application/octet-stream",
                                              "Content-Length": str(len(data))})
        if status != 201:
            raise Failure("blob %s not stored in %s: HTTP %d %s" % (digest, repo, status, body[:200]))
        return digest

    def push_manifest(self, repo, reference, data, media_type):
        """PUTs the exact bytes under a tag or their digest; returns the digest of the bytes."""
        digest = sha256(data)
        status, headers, body = self.request("PUT", "/v2/%s/manifests/%s" % (repo, reference), data,
                                             {"Content-Type": media_type})
        if status != 201:
            raise Failure("manifest %s not stored in %s as %s: HTTP %d %s" % (digest, repo, reference, status, body[:300]))
        answered = headers.get("Docker-Content-Digest")
        if answered and answered != digest:
            raise Failure("registry stored %s as %s, not %s" % (reference, answered, digest))
        return digest

    def push_json_manifest(self, repo, reference, obj):
        data = canonical_json(obj)
        return self.push_manifest(repo, reference, data, obj["mediaType"]), data

    # -- read ---------------------------------------------------------------------------------

    def get_manifest(self, repo, reference, accept=ALL_MANIFEST_TYPES):
        """Returns (bytes, media type) or None when the registry answers 404; checks a digest reference."""
        status, headers, body = self.request("GET", "/v2/%s/manifests/%s" % (repo, reference),
                                             headers={"Accept": ", ".join(accept)})
        if status == 404:
            return None
        if status != 200:
            raise Failure("manifest %s of %s: HTTP %d %s" % (reference, repo, status, body[:200]))
        if reference.startswith("sha256:") and sha256(body) != reference:
            raise Failure("manifest %s of %s has digest %s" % (reference, repo, sha256(body)))
        media_type = headers.get("Content-Type", "").split(";")[0].strip()
        return body, media_type

    def get_blob(self, repo, digest):
        """The blob's bytes, checked against its digest; Failure when it is missing or altered."""
        status, _, body = self.request("GET", "/v2/%s/blobs/%s" % (repo, digest))
        if status != 200:
            raise Failure("blob %s of %s: HTTP %d" % (digest, repo, status))
        if sha256(body) != digest:
            raise Failure("blob %s of %s has digest %s" % (digest, repo, sha256(body)))
        return body

    def tags(self, repo, page=100):
        """Every tag of repo, following the Link header page by page."""
        out = []
        path = "/v2/%s/tags/list?n=%d" % (repo, page)
        while path:
            status, headers, body = self.request("GET", path)
            if status == 404:
                return out
            if status != 200:
                raise Failure("tag list of %s: HTTP %d %s" % (repo, status, body[:200]))
            out.extend(json.loads(body).get("tags") or [])
            link = headers.get("Link")
            path = None
            if link and 'rel="next"' in link:
                path = link[link.index("<") + 1:link.index(">")]
        return out


def add_registry_args(parser):
    parser.add_argument("--registry", required=True, help="HOST:PORT")
    parser.add_argument("--ca-file", help="CA to trust; HTTPS when given, plain HTTP otherwise")
    parser.add_argument("--user")
    parser.add_argument("--password")


def run_main(main):
    """Runs main(); a Failure, or content that is not what the conventions say (bad JSON, a missing
    field, bad base64), becomes one line on stderr and exit status 1."""
    try:
        main()
    except Failure as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        sys.exit(1)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        print(("malformed content: %s: %s" % (type(e).__name__, e)).replace("\n", " "), file=sys.stderr)
        sys.exit(1)
