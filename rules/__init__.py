"""The rule catalog, ordered by code. Adding a rule: one module here plus its entry below."""

from relulint.rules.rl101_relu_regression_output import ReluRegressionOutput

ALL_RULES = (
    ReluRegressionOutput,
)

# Engine diagnostics (no Rule class: the engine emits them itself).
ENGINE_CODES = {
    "RL000": "syntax-error",
    "RL001": "unreadable-file",
    "RL002": "unreadable-graph",
    "RL003": "dynamic-probe-failed",
    "RL004": "invalid-suppression",
}
ALL_CODES = {r.CODE for r in ALL_RULES} | set(ENGINE_CODES)
BY_CODE = {r.CODE: r for r in ALL_RULES}
