/* osv.c - the OSV export of RustSec's `rustsec-admin osv` (spec §3).
 *
 * The output must be byte-identical to the advisory-db `osv` branch, so the
 * key order, the nesting and every literal below follow spec §3.2 exactly;
 * json.c supplies serde_json's pretty layout. */
#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Spec §3.1: the rust collection and informational kinds rustsec does not
 * know ("Other") are never exported; withdrawn advisories are. */
static bool exportable(const csec_advisory *a)
{
    return a->collection == CSEC_COLLECTION_CRATES && a->informational != CSEC_INFO_OTHER;
}

/* Days since 1970-01-01 to a proleptic Gregorian civil date (the classic
 * era-based conversion: 400-year eras of 146097 days). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                 /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                               /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = era * 400 + yoe + (*m <= 2);
}

/* RFC 3339 in UTC with a "Z", as chrono's to_rfc3339_opts(Secs, true). */
static void format_time(char out[40], int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 40, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
}

/* Dates are written at noon UTC (spec §3.2). */
static void format_date(char out[40], csec_date date)
{
    snprintf(out, 40, "%04d-%02d-%02dT12:00:00Z", date.year, date.month, date.day);
}

static int date_cmp(csec_date a, csec_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    return a.day < b.day ? -1 : a.day > b.day;
}

/* Spec §3.4, tested in this order.  Both CVE hosts count as advisories: the
 * snapshot's exporter knew cve.mitre.org, rustsec HEAD knows www.cve.org, and
 * no snapshot URL has the latter, so accepting both reproduces the snapshot
 * and agrees with HEAD on www.cve.org. */
static const char *reference_type(const char *url)
{
    if ((strstr(url, "://github.com/") || strstr(url, "://gitlab.")) && strstr(url, "/issues/"))
        return "REPORT";
    if (strstr(url, "/advisories/") || strstr(url, "://cve.mitre.org/") ||
        strstr(url, "://www.cve.org/"))
        return "ADVISORY";
    if (strstr(url, "://crates.io/crates/"))
        return "PACKAGE";
    return "WEB";
}

static void write_reference(csec__json *j, const char *url)
{
    csec__json_object_begin(j);
    csec__json_key_str(j, "type", reference_type(url));
    csec__json_key_str(j, "url", url);
    csec__json_object_end(j);
}

/* One event {"<key>": "<version>"}; NULL `v` is the unbounded start. */
static void write_event(csec__json *j, const char *key, const csec_version *v)
{
    csec__json_object_begin(j);
    csec__json_key(j, key);
    if (v)
        csec__json_version(j, v);
    else
        csec__json_str(j, "0.0.0-0");
    csec__json_object_end(j);
}

/* Spec §3.3.  An unbounded start is "0.0.0-0"; an unbounded end emits
 * nothing.  When nothing at all is affected (a lone "*" requirement, where
 * rustsec would panic) the events list is written empty: the record stays
 * valid JSON, and osv.dev-style consumers read it as "no affected range". */
static void write_affected(csec__json *j, const csec_advisory *a)
{
    csec__json_array_begin(j);
    csec__json_object_begin(j);

    csec__json_key(j, "package");
    csec__json_object_begin(j);
    csec__json_key_str(j, "ecosystem", "crates.io");
    csec__json_key_str(j, "name", a->package);
    csec__json_key(j, "purl");
    csec__json_str_begin(j);
    csec__json_str_part(j, "pkg:cargo/", 10);
    csec__json_str_part(j, a->package, strlen(a->package));
    csec__json_str_end(j);
    csec__json_object_end(j);

    csec__json_key(j, "ecosystem_specific");
    csec__json_object_begin(j);
    csec__json_key(j, "affects");
    csec__json_object_begin(j);
    csec__json_key(j, "arch");
    csec__json_strlist(j, a->arch);
    csec__json_key(j, "os");
    csec__json_strlist(j, a->os);
    csec__json_key(j, "functions");
    csec__json_array_begin(j);
    for (size_t i = 0; i < a->functions_count; i++)
        csec__json_str(j, a->functions[i].path);
    csec__json_array_end(j);
    csec__json_object_end(j);
    csec__json_key(j, "affected_functions");
    csec__json_null(j);
    csec__json_object_end(j);

    csec__json_key(j, "database_specific");
    csec__json_object_begin(j);
    csec__json_key(j, "categories");
    csec__json_strlist(j, a->categories);
    csec__json_key_str(j, "cvss", a->cvss ? a->cvss->canonical : NULL);
    csec__json_key_str(j, "informational", csec_informational_name(a->informational));
    csec__json_object_end(j);

    csec__json_key(j, "ranges");
    csec__json_array_begin(j);
    csec__json_object_begin(j);
    csec__json_key_str(j, "type", "SEMVER");
    csec__json_key(j, "events");
    csec__json_array_begin(j);
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        write_event(j, "introduced", iv->has_introduced ? &iv->introduced : NULL);
        if (iv->has_fixed)
            write_event(j, "fixed", &iv->fixed);
    }
    csec__json_array_end(j);
    csec__json_object_end(j);
    csec__json_array_end(j);

    csec__json_key(j, "versions");
    csec__json_array_begin(j);
    csec__json_array_end(j);

    csec__json_object_end(j);
    csec__json_array_end(j);
}

/* `modified` is the file's last git change (spec §3.5).  Without git history
 * (a->modified < 0) there is no honest value, so the latest date the advisory
 * itself states is used: its withdrawal date if withdrawn, else its
 * publication date, both at noon UTC like `published`.  That keeps
 * modified >= published, as OSV requires. */
static void format_modified(char out[40], const csec_advisory *a)
{
    if (a->modified >= 0)
        format_time(out, a->modified);
    else if (a->withdrawn.year != 0 && date_cmp(a->withdrawn, a->date) > 0)
        format_date(out, a->withdrawn);
    else
        format_date(out, a->date);
}

int csec_osv_write(csec_buf *out, const csec_advisory *a, int indent)
{
    char stamp[40];
    csec_buf tmp = CSEC_BUF_INIT;
    csec__json jw;
    csec__json *j = &jw;
    if (!a || !exportable(a))
        return CSEC_EINVAL;
    csec__json_init(j, out, true, indent);
    csec__json_object_begin(j);

    csec__json_key_str(j, "id", a->id);
    format_modified(stamp, a);
    csec__json_key_str(j, "modified", stamp);
    format_date(stamp, a->date);
    csec__json_key_str(j, "published", stamp);
    if (a->withdrawn.year != 0) {
        format_date(stamp, a->withdrawn);
        csec__json_key_str(j, "withdrawn", stamp);
    }
    csec__json_key(j, "aliases");
    csec__json_strlist(j, a->aliases);
    csec__json_key(j, "related");
    csec__json_strlist(j, a->related);
    csec__json_key_str(j, "summary", a->title ? a->title : "");
    csec__json_key_str(j, "details", a->description ? a->description : "");

    csec__json_key(j, "severity");
    csec__json_array_begin(j);
    if (a->cvss) {
        csec__json_object_begin(j);
        csec__json_key(j, "type");
        csec__json_str(j, a->cvss->version == 2    ? "CVSS_V2"
                          : a->cvss->version == 40 ? "CVSS_V4"
                                                   : "CVSS_V3");
        csec__json_key_str(j, "score", a->cvss->canonical);
        csec__json_object_end(j);
    }
    csec__json_array_end(j);

    csec__json_key(j, "affected");
    write_affected(j, a);

    /* Spec §3.4: crates.io page, rustsec.org page, url, references; the
     * URLs are passed through (every snapshot URL is already in WHATWG
     * serialized form) and duplicates are kept. */
    csec__json_key(j, "references");
    csec__json_array_begin(j);
    csec_buf_clear(&tmp);
    csec_buf_printf(&tmp, "https://crates.io/crates/%s", a->package);
    write_reference(j, tmp.ptr);
    csec_buf_clear(&tmp);
    csec_buf_printf(&tmp, "https://rustsec.org/advisories/%s.html", a->id);
    write_reference(j, tmp.ptr);
    if (a->url)
        write_reference(j, a->url);
    for (size_t i = 0; i < a->references.count; i++)
        write_reference(j, a->references.items[i]);
    csec__json_array_end(j);

    csec__json_key(j, "database_specific");
    csec__json_object_begin(j);
    csec__json_key_str(j, "license", a->license ? a->license : "CC0-1.0");
    csec__json_object_end(j);

    csec__json_object_end(j);
    csec_buf_free(&tmp);
    return 0;
}

/* ---- per-crate arrays ------------------------------------------------ */

/* Splits "PREFIX-YEAR-NUMBER" into its numbers; false for other shapes. */
static bool id_numbers(const char *id, unsigned long long *year, unsigned long long *num)
{
    const char *dash = strchr(id, '-');
    char *end;
    if (!dash || dash[1] < '0' || dash[1] > '9')
        return false;
    *year = strtoull(dash + 1, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return false;
    *num = strtoull(end + 1, &end, 10);
    return *end == '\0';
}

/* Newest first.  rustsec.org's generator sorts by the date git first saw the
 * file (descending, ties in filesystem order).  Without creation times, the
 * ID is the best stand-in: numbers are handed out in merge order.  On the
 * snapshot, ID-descending puts 1,274 of the 1,279 same-crate pairs with
 * distinct creation dates in rustsec's order; sorting by `date` gets 1,239. */
static int newest_first(const void *pa, const void *pb)
{
    const csec_advisory *a = *(const csec_advisory *const *)pa;
    const csec_advisory *b = *(const csec_advisory *const *)pb;
    unsigned long long ya, na, yb, nb;
    if (id_numbers(a->id, &ya, &na) && id_numbers(b->id, &yb, &nb)) {
        if (ya != yb)
            return ya < yb ? 1 : -1;
        if (na != nb)
            return na < nb ? 1 : -1;
    }
    return -strcmp(a->id, b->id);
}

int csec_osv_write_package(csec_buf *out, const csec_db *db, const char *package)
{
    size_t n = 0, kept = 0;
    const csec_advisory *const *list = csec_db_by_package(db, CSEC_COLLECTION_CRATES, package, &n);
    const csec_advisory **sorted = NULL;
    if (!list || n == 0)
        return CSEC_ENOTFOUND;
    sorted = csec__xmalloc(csec__mul(n, sizeof *sorted));
    for (size_t i = 0; i < n; i++)
        if (exportable(list[i]))
            sorted[kept++] = list[i];
    if (kept == 0) {
        free(sorted);
        return CSEC_ENOTFOUND;
    }
    qsort(sorted, kept, sizeof *sorted, newest_first);
    /* serde_json pretty of a Vec: each record on its own line, one level in. */
    csec_buf_putc(out, '[');
    for (size_t i = 0; i < kept; i++) {
        csec_buf_puts(out, i ? ",\n  " : "\n  ");
        csec_osv_write(out, sorted[i], 1);
    }
    csec_buf_puts(out, "\n]");
    free(sorted);
    return 0;
}

/* ---- export ---------------------------------------------------------- */

/* IDs are validated by the parser, but the file name is built from one, so
 * refuse anything that could leave the output directory. */
static bool safe_file_name(const char *id)
{
    return id[0] != '\0' && id[0] != '.' && !strchr(id, '/') && !strchr(id, '\\');
}

int csec_osv_export(const csec_db *db, const char *outdir, size_t *written, csec_diag *d)
{
    int rc = 0;
    size_t count = 0;
    csec_buf doc = CSEC_BUF_INIT;
    csec_buf path = CSEC_BUF_INIT;
    if (written)
        *written = 0;
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        rc = csec__diag_set(d, CSEC_EIO, outdir, 0, 0, "cannot create directory: %s",
                            strerror(errno));
        goto done;
    }
    for (size_t i = 0, n = csec_db_count(db); i < n; i++) {
        const csec_advisory *a = csec_db_get(db, i);
        if (!exportable(a))
            continue;
        if (!safe_file_name(a->id)) {
            rc = csec__diag_set(d, CSEC_EINVAL, a->path, 0, 0,
                                "unusable advisory id for a file name");
            goto done;
        }
        csec_buf_clear(&doc);
        csec_osv_write(&doc, a, 0);
        csec_buf_clear(&path);
        csec_buf_printf(&path, "%s/%s.json", outdir, a->id);
        FILE *f = fopen(path.ptr, "wb");
        if (!f) {
            rc = csec__diag_set(d, CSEC_EIO, path.ptr, 0, 0, "cannot create: %s", strerror(errno));
            goto done;
        }
        bool ok = fwrite(doc.ptr, 1, doc.len, f) == doc.len;
        ok = (fclose(f) == 0) && ok;
        if (!ok) {
            rc = csec__diag_set(d, CSEC_EIO, path.ptr, 0, 0, "write failed: %s", strerror(errno));
            goto done;
        }
        count++;
    }
done:
    if (written)
        *written = count;
    csec_buf_free(&doc);
    csec_buf_free(&path);
    return rc;
}
