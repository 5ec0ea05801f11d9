"""The optimizer configurations with no Module fixture that tests/test_optimizer_direct.py runs
eagerly and compiled, and tools/record_optimizer_module_steps.py runs on MXNet 1.9.1 (written
once, so the two cannot drift apart). Test ids and the recording's keys are '<name><i>'."""

EXTRA = [
    ('nag', {'learning_rate': 0.1, 'momentum': 0.0, 'wd': 0.01}),
    ('lars', {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.01, 'eta': 0.01}),
    ('lars', {'learning_rate': 0.1, 'wd': 0.01, 'clip_gradient': 0.05}),
    ('lamb', {'learning_rate': 0.01, 'wd': 0.01, 'lower_bound': 0.1, 'upper_bound': 2.0}),
    ('rmsprop', {'learning_rate': 0.01, 'centered': True, 'clip_weights': 0.3}),
    ('adadelta', {'wd': 0.01, 'clip_gradient': 0.05}),
    ('ccsgd', {'learning_rate': 0.1, 'momentum': 0.9}),
    ('signum', {'learning_rate': 0.01, 'momentum': 0.0, 'wd': 0.01}),
]
