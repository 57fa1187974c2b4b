from tests.proof.test_bad_input import *
import pytest
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_peek(case, cast, world_a, samples):
    r = _send(api_client_for(cast.alice, cast.store_a), case, world_a, samples)
    print("\nPEEK", case.id, r.status_code, r.content[:150])
