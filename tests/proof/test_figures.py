"""The figures of the README's "Figures" section that are counts, recomputed from the code:

    .venv/bin/pytest tests/proof/test_figures.py -q -s

(routes by tenancy class from the URLconf walk, and the schema operations the fuzzer covers)."""

from __future__ import annotations

from collections import Counter

from tests.tenancy.routes import Public, classify, iter_routes

TEST_ONLY = {"note-list", "note-detail", "scope-probe"}  # tests.scopedapp, not the product


def test_isolation_figures_from_the_urlconf_walk() -> None:
    routes, pairs = Counter(), Counter()
    for route in iter_routes():
        if route.name in TEST_ONLY:
            continue
        case = classify(route)
        kind = "admin (staff only)" if route.name.startswith("admin:") else type(case).__name__
        routes[kind] += 1
        pairs[kind] += len(route.methods)
        if not isinstance(case, Public):
            assert route.methods, f"{route.name}: a tenant route without methods would escape the walk"
    tenant = ("UserScoped", "Scoped", "ScopedCollection")
    api_routes = sum(n for k, n in routes.items() if not k.startswith("admin"))
    print(f"\nURLconf walk: {api_routes} API routes, {sum(pairs[k] for k in (*tenant, 'Public'))} route x method pairs")
    for kind in (*tenant, "Public", "admin (staff only)"):
        print(f"  {kind:<20} {routes[kind]:>4} routes {pairs[kind]:>4} route x method")
    print(f"  tenant-bearing pairs walked with other profiles' ids: {sum(pairs[k] for k in tenant)}")
    assert sum(pairs[k] for k in tenant) > 50


def test_fuzzed_operation_figures() -> None:
    from tests.proof.test_schema_fuzz import MAX_EXAMPLES, schema

    operations = [op for op in schema.get_all_operations() if op.ok()]
    print(f"\nschema fuzzing: {len(operations)} operations x up to {MAX_EXAMPLES} generated requests each")
    assert len(operations) > 50
