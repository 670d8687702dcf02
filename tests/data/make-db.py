#!/usr/bin/env python3
"""tests/data/make-db.py DIR [SET] - writes a fixture advisory database of our
own made-up advisories, written at test time (make fixtures) rather than kept
as files shaped like the real database, which stays in ../shared/data.  SET:
  db          (default) the suites' database, tests/data/db: foo, bar-baz, qux,
              zlib-sys and one toolchain advisory, plus the strays the loader
              must leave out (a file directly in crates/, a hidden file);
  index-deps  the database beside the registry index of lib/deps.c's fixture,
              tests/data/index-deps/db (the cases are in its README.md);
  golden      the OSV export's golden database, tests/golden/db, whose export is
              tests/golden/osv (times in tests/golden/modified.txt).
Writes DIR.tmp, then renames it: a parallel make never sees half a database."""
import os, shutil, sys

FILES = {
    'crates/README.txt': 'a stray file in crates/ is skipped\n',
    'crates/bar-baz/.DS_Store': 'not an advisory\n',
    'crates/bar-baz/RUSTSEC-0000-0000.md': '```toml\n[advisory]\nid = "RUSTSEC-0000-0000"\npackage = "bar-baz"\ndate = "2024-01-01"\n\n[versions]\npatched = [">= 9.9.9"]\n```\n\n# A draft that is validated but never indexed\n\nDraft text.\n',
    'crates/bar-baz/RUSTSEC-2022-0003.md': '```toml\n[advisory]\nid = "RUSTSEC-2022-0003"\npackage = "bar-baz"\ndate = "2022-02-28"\nwithdrawn = "2022-03-01"\ncategories = ["thread-safety"]\ncvss = "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:L"\nrelated = ["RUSTSEC-2020-0001"]\n\n[affected.functions]\n"bar_baz::sync::Queue::push" = ["^0.3"]\n\n[versions]\npatched = ["^0.3.4", ">= 0.4.0"]\nunaffected = ["< 0.2.0"]\n```\n\n# Data race in bar-baz\'s queue\n\nWithdrawn: the report was a false positive.\n',
    'crates/foo/RUSTSEC-2020-0001.md': '```toml\n[advisory]\nid = "RUSTSEC-2020-0001"\npackage = "foo"\ndate = "2020-03-04"\nurl = "https://example.com/foo/issues/1"\ncategories = ["memory-corruption", "denial-of-service"]\nkeywords = ["overflow", "parser"]\naliases = ["CVE-2020-1111", "GHSA-aaaa-bbbb-cccc"]\ncvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"\n\n[affected]\narch = ["x86_64"]\nos = ["windows"]\n\n[affected.functions]\n"foo::parse" = ["< 1.2.3"]\n"foo::Parser::new" = ["< 1.2.3", ">= 2.0.0-alpha.1, < 2.0.0"]\n\n[versions]\npatched = [">= 1.2.3, < 2.0.0-0", ">= 2.0.0"]\nunaffected = ["< 0.5"]\n```\n\n# Buffer overflow in foo\'s parser\n\nThe parser of `foo` writes past the end of its buffer on long input.\n',
    'crates/foo/RUSTSEC-2021-0002.md': '```toml\n[advisory]\nid = "RUSTSEC-2021-0002"\npackage = "foo"\ndate = "2021-06-01"\ninformational = "unmaintained"\nurl = "https://example.com/foo/issues/2"\n\n[versions]\npatched = []\n```\n\n# foo is unmaintained\n\nNobody maintains `foo` anymore; consider `foo2`.\n',
    'crates/qux/RUSTSEC-2023-0004.md': '```toml\nid = "RUSTSEC-2023-0004"\npackage = "qux"\ndate = "2023-11-30"\nlicense = "CC-BY-4.0"\nurl = "https://example.com/qux/security"\ninformational = "unsound"\nkeywords = ["uaf"]\ncvss = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"\n\n[versions]\npatched = ["> 1.0.0"]\n```\n#  Use after free in qux (V4 front matter, no blank line)\nBody.\n',
    'crates/zlib-sys/RUSTSEC-2024-0005.md': '```toml\n[advisory]\nid = "RUSTSEC-2024-0005"\npackage = "zlib-sys"\ndate = "2024-05-05"\naliases = ["CVE-2024-5555"]\nexpect-deleted = true\n\n[versions]\npatched = []\nunaffected = ["=0.1.0", "> 0.9.0"]\n```\n\n# Every zlib-sys release but 0.1.0 and post-0.9 is affected\n\nText.\n',
    'rust/std/CVE-2021-1234.md': '```toml\n[advisory]\nid = "CVE-2021-1234"\npackage = "std"\ndate = "2020-12-31"\ncategories = ["memory-exposure"]\nurl = "https://example.com/rust/issues/1234"\n\n[versions]\npatched = [">= 1.50.0"]\n```\n\n# Uninitialized memory in std\n\nThe toolchain advisory of the fixture.\n',
}

DEPS_FILES = {
    'crates/deepvuln/RUSTSEC-2099-0105.md': '```toml\n[advisory]\nid = "RUSTSEC-2099-0105"\npackage = "deepvuln"\ndate = "2099-01-01"\n\n[versions]\npatched = [">= 0.2.0"]\n```\n\n# Deepvuln flaw\n\nFixture advisory for the dependency tests.\n',
    'crates/devonly/RUSTSEC-2099-0103.md': '```toml\n[advisory]\nid = "RUSTSEC-2099-0103"\npackage = "devonly"\ndate = "2099-01-01"\n\n[versions]\npatched = []\n```\n\n# Devonly flaw\n\nFixture advisory for the dependency tests.\n',
    'crates/newvuln/RUSTSEC-2099-0102.md': '```toml\n[advisory]\nid = "RUSTSEC-2099-0102"\npackage = "newvuln"\ndate = "2099-01-01"\n\n[versions]\npatched = [">= 2.0.0"]\nunaffected = ["< 1.1.0"]\n```\n\n# Newvuln flaw\n\nFixture advisory for the dependency tests.\n',
    'crates/optoff/RUSTSEC-2099-0104.md': '```toml\n[advisory]\nid = "RUSTSEC-2099-0104"\npackage = "optoff"\ndate = "2099-01-01"\n\n[versions]\npatched = []\n```\n\n# Optoff flaw\n\nFixture advisory for the dependency tests.\n',
    'crates/realname/RUSTSEC-2099-0106.md': '```toml\n[advisory]\nid = "RUSTSEC-2099-0106"\npackage = "realname"\ndate = "2099-01-01"\ninformational = "unmaintained"\n\n[versions]\npatched = []\n```\n\n# realname is unmaintained\n\nFixture advisory for the dependency tests.\n',
    'crates/vulnonly/RUSTSEC-2099-0101.md': '```toml\n[advisory]\nid = "RUSTSEC-2099-0101"\npackage = "vulnonly"\ndate = "2099-01-01"\n\n[versions]\npatched = [">= 0.3.2"]\nunaffected = ["< 0.3.0"]\n```\n\n# Vulnonly flaw\n\nFixture advisory for the dependency tests.\n',
    'crates/vulnonly/RUSTSEC-2099-0107.md': '```toml\n[advisory]\nid = "RUSTSEC-2099-0107"\npackage = "vulnonly"\ndate = "2099-01-01"\nwithdrawn = "2099-02-01"\n\n[versions]\npatched = []\n```\n\n# Withdrawn vulnonly report\n\nFixture advisory for the dependency tests.\n',
}

GOLDEN_FILES = {
    'crates/alpha-all/RUSTSEC-2098-0006.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0006"\npackage = "alpha-all"\ndate = "2024-01-05"\ninformational = "unmaintained"\n\n[versions]\npatched = []\n```\n\n#  alpha-all is unmaintained\n\nThe crate is no longer maintained.\n',
    'crates/alpha-all/RUSTSEC-2098-0007.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0007"\npackage = "alpha-all"\ndate = "2025-02-01"\nwithdrawn = "2025-03-01"\nurl = "https://example.org/alpha"\n\n[versions]\npatched = [">= 3.0.0"]\n```\n\n# Second alpha issue\n\nBody.\n',
    'crates/beta-caret/RUSTSEC-2098-0005.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0005"\npackage = "beta-caret"\ndate = "2023-07-09"\nurl = "https://github.com/beta/beta-caret/issues/7"\ncategories = ["denial-of-service"]\nkeywords = ["parser"]\ncvss = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"\n\n[versions]\npatched = ["^ 1.2.3", ">= 2.0.0-rc.1"]\nunaffected = ["0.3.1"]\n```\n\n# Stack overflow on nested input\n\nDeeply nested input overflows the stack.\n',
    'crates/delta-gone/RUSTSEC-2098-0003.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0003"\npackage = "delta-gone"\ndate = "2021-03-04"\nwithdrawn = "2021-05-06"\ninformational = "unsound"\nurl = "https://github.com/delta/delta-gone/commit/0123456789abcdef"\n\n[versions]\npatched = []\nunaffected = ["> 0"] # everything after 0.0.0\n```\n\n# Withdrawn: not actually unsound\n\nThis advisory was filed in error.\n',
    'crates/epsilon-refs/RUSTSEC-2098-0008.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0008"\npackage = "epsilon-refs"\ndate = "2025-06-30"\nlicense = "CC-BY-4.0"\naliases = ["CVE-2025-1234", "GHSA-aaaa-bbbb-cccc"]\nrelated = ["RUSTSEC-2098-0006"]\nurl = "https://github.com/advisories/GHSA-aaaa-bbbb-cccc"\nreferences = [\n    "https://gitlab.com/eps/epsilon-refs/-/issues/3",\n    "https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2025-1234",\n    "https://www.cve.org/CVERecord?id=CVE-2025-1234",\n    "https://crates.io/crates/epsilon-refs/0.1.0",\n    "https://example.com/blog/issues/ok",\n    "https://github.com/eps/epsilon-refs/pull/9",\n    "https://github.com/eps/epsilon-refs/security/advisories/GHSA-aaaa-bbbb-cccc",\n    "https://crates.io/crates/epsilon-refs",\n]\ncategories = ["crypto-failure"]\ncvss = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:L/A:N"\n\n[versions]\npatched = [">= 1.0.0"]\n```\n\n# Weak nonce generation\n\nNonces repeat.\n\nImported from the GitHub Advisory Database (CC-BY-4.0).\n',
    'crates/eta-notice/RUSTSEC-2098-0009.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0009"\npackage = "eta-notice"\ndate = "2026-01-02"\ninformational = "notice"\n\n[affected]\n\n[versions]\npatched = ["~1.4.2", "> 2.0.0-alpha"]\n```\n\n# Notice about eta-notice\n',
    'crates/gamma-zero/RUSTSEC-2098-0004.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0004"\npackage = "gamma-zero"\ndate = "2022-12-31"\ncategories = ["memory-corruption", "thread-safety"]\ncvss = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"\n\n[affected]\narch = ["x86_64", "aarch64"]\nos = ["windows", "linux"]\nfunctions = { "gamma_zero::b0" = ["< 0.8.0"], "gamma_zero::b::c" = ["*"], "gamma_zero::Zed" = [">= 0.1"] }\n\n[versions]\npatched = [">= 0.7.1, < 0.8", ">= 0.8.0"]\nunaffected = ["<= 0.2.0"]\n```\n# Data race in `Zed`\n\n`Zed` is `Send` even when its contents are not.\n',
    'crates/iota-other/RUSTSEC-2018-0500.md': '```toml\n[advisory]\nid = "RUSTSEC-2018-0500"\npackage = "iota-other"\ndate = "2018-05-05"\ninformational = "deprecated"\n\n[versions]\npatched = []\n```\n\n# An informational kind rustsec does not know\n\nSkipped by the OSV export.\n',
    'crates/theta-none/RUSTSEC-2098-0001.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0001"\npackage = "theta-none"\ndate = "2019-10-10"\n\n[versions]\npatched = ["*"]\n```\n\n# Nothing is affected\n\nEvery version is patched.\n',
    'crates/zeta-text/RUSTSEC-2098-0002.md': '```toml\n[advisory]\nid = "RUSTSEC-2098-0002"\npackage = "zeta-text"\ndate = "2020-02-29"\n\n[versions]\npatched = ["=1.0.0"]\nunaffected = [">= 2.0.0-beta.2, < 2.0.0-beta.3"]\n```\n\n# Quote "x" and back\\slash — ünïcödé   \n\nLine one\twith tab.\nForm\x0cfeed and \x01 ctrl and \x7f del and a/slash.\r\nCRLF line 🦀 \x1f end.\n\n',
    'rust/std/CVE-2020-1234.md': '```toml\n[advisory]\nid = "CVE-2020-1234"\npackage = "std"\ndate = "2020-01-31"\n\n[versions]\npatched = [">= 1.40.0"]\n```\n\n# A toolchain advisory\n\nNever exported.\n',
}

SETS = {'db': FILES, 'index-deps': DEPS_FILES, 'golden': GOLDEN_FILES}

def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else "tests/data/db"
    files = SETS[sys.argv[2] if len(sys.argv) > 2 else "db"]
    tmp = "%s.tmp.%d" % (dest, os.getpid())
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, text in files.items():
        path = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)

if __name__ == "__main__":
    main()
