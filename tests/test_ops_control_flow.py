"""``_foreach`` against MXNet 1.9.1: the cases recorded by tools/oracle_ops/control_flow.py
(tests/fixtures/ops_extra/control_flow) replay through tests/corpus.py."""
import corpus

HERE, CASES = corpus.family('control_flow')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('control_flow')
