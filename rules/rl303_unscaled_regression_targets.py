from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity
from relulint.ir import ModelIR
from relulint.rule import Confirmation, Invalid, StaticRule, Valid
from relulint.rules._support import fmt


class UnscaledRegressionTargets(StaticRule):
    """
    ## What it does
    Flags a regression trained with squared error (MSE) on targets whose known magnitude is far from
    1 (`y = x ** 4` over +-100, prices around 1e5, revenue up to 1e6) with no scaling of the targets
    on the way: no `(y - mean) / std`, scaler, `/ 1e5` or `log`.

    ## Why is this bad?
    Squared error grows with the square of the targets' scale: with targets around 1e5 the first
    losses are ~1e10 and the gradients of the last layer ~1e5 times those of a unit-scale problem.
    A learning rate tuned for unit-scale data then diverges (the loss becomes inf or NaN), and one
    small enough not to diverge leaves the hidden layers almost unchanged, so learning stalls at
    "predict the mean". A network initialised for unit-variance outputs also needs many steps just
    to reach the targets' scale. Standardise the targets (and invert the transform at prediction
    time), or predict their log.

    ## Example
    ```python
    x = np.random.rand(4000, 8)
    prices = 1e5 + 5e4 * np.random.rand(4000)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, prices)
    ```

    Use instead:
    ```python
    mean, std = prices.mean(), prices.std()
    model.fit(x, (prices - mean) / std)   # predict with model.predict(x) * std + mean
    ```

    ## Options
    - `max-abs-target`: targets whose known range exceeds this magnitude count as unscaled.

    ## Confirmed by
    `--dynamic` measures the probed batch's targets: their `dtype`, `min`, `max`, `mean` and `std`
    (per column for tabular targets). Confirmed when their magnitude exceeds `max-abs-target`.

    ## Fix safety
    No fix: scaling the targets changes what the model is trained to output, and every prediction
    must then be inverted where it is used. The help text says what to change.

    ## Known problems
    Targets scaled by a helper the source pass does not follow look raw; the range of targets read
    from a file is unknown, so they are not judged. A prediction multiplied by a constant after the
    network (`net(x) * 1e5`) is taken as scaled to the targets, whatever the constant.

    ## References
    - [scikit-learn, "Transforming the prediction target (y)": TransformedTargetRegressor](https://scikit-learn.org/stable/modules/compose.html#transforming-target-in-regression)
    - [Y. LeCun, L. Bottou, G. Orr, K.-R. Müller, "Efficient BackProp" (1998), on scaling what the network sees and is asked to produce](http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf)
    """

    CODE = "RL303"
    NAME = "unscaled-regression-targets"
    SEVERITY = Severity.WARNING
    MESSAGE = "regression targets in [{low}, {high}] from {source} are trained with {loss} unscaled: the loss and its gradients scale with the square of the targets"
    FIX_TITLE = "Standardise the targets ((y - y.mean()) / y.std(), StandardScaler, TransformedTargetRegressor) and invert at prediction time, or train on log(y)"
    OPTIONS = {"max-abs-target": 1000.0}

    VALID = [
        Valid("""
            import numpy as np
            from tensorflow import keras
            x = np.random.rand(4000, 8)
            prices = 1e5 + 5e4 * np.random.rand(4000)
            model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, (prices - prices.mean()) / prices.std())
        """),
        Valid("""
            import numpy as np
            from tensorflow import keras
            x = np.random.rand(4000, 8)
            prices = 1e5 + 5e4 * np.random.rand(4000)
            model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, prices / 1e5)
        """),
        Valid("""
            import torch
            import torch.nn as nn
            x = torch.rand(512, 4)
            y = torch.rand(512, 1) * 50
            model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
            loss = nn.MSELoss()(model(x), y)
        """),
        Valid("""
            import torch
            import torch.nn.functional as F
            from torch import nn
            x = torch.rand(512, 4)
            revenue = torch.rand(512, 1) * 1e6
            model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
            loss = F.l1_loss(model(x), revenue)
        """),
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            from sklearn.preprocessing import StandardScaler
            x = torch.rand(1000, 1)
            y = np.random.uniform(0, 1e6, size=(1000, 1))
            y = torch.tensor(StandardScaler().fit_transform(y), dtype=torch.float32)
            model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1))
            loss = ((model(x) - y) ** 2).mean()
        """),
    ]
    INVALID = [
        Invalid("""
            import numpy as np
            from tensorflow import keras
            x = np.random.rand(4000, 8)
            prices = 1e5 + 5e4 * np.random.rand(4000)
            model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, prices, epochs=20)  # expect: RL303
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            x = torch.rand(512, 4)
            y = torch.rand(512, 1) * 1e6
            model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
            criterion = nn.MSELoss()
            loss = criterion(model(x), y)  # expect: RL303
        """),
        Invalid("""
            import torch
            import torch.nn.functional as F
            from torch import nn
            x = torch.rand(512, 4)
            revenue = torch.rand(512, 1) * 1e6
            model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
            loss = F.mse_loss(model(x), target=revenue)  # expect: RL303
        """),
        Invalid("""
            import numpy as np
            import torch
            import torch.nn as nn
            x = torch.rand(1000, 1)
            y = torch.from_numpy(np.random.uniform(0, 1e8, size=(1000, 1)))
            model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1))
            loss = ((model(x) - y) ** 2).mean()  # expect: RL303
        """),
        Invalid("""
            import numpy as np
            from tensorflow import keras
            from tensorflow.keras import layers
            x = np.random.uniform(-1, 1, size=(2000, 3))
            y = np.random.uniform(-5e4, 5e4, size=2000)
            model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.MeanSquaredError())
            model.fit(x=x, y=y, batch_size=32)  # expect: RL303
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        limit = float(options["max-abs-target"])
        if ir.network.output_rescaled():
            return  # the loss sees the output times a constant (net(x) * 1e5): it is scaled to the targets
        for loss in ir.all_losses:
            ds = loss.targets
            if not loss.is_squared_error or ds is None or ds.scaled or ds.low is None or ds.high is None:
                continue
            if max(abs(ds.low), abs(ds.high)) <= limit:
                continue
            at = ds.fed_at or loss.origin
            if at is None:
                continue
            yield self.finding(
                at,
                low=fmt(ds.low), high=fmt(ds.high), source=ds.display, loss=loss.display,
                evidence={"targets": ds.display, "low": ds.low, "high": ds.high, "loss": loss.display},
                related=[(ds.origin, f"targets made here: {ds.display}"), (loss.origin, f"loss {loss.display}")],
            )

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        from relulint.dynamic.scale import target_scale

        verdict = target_scale(report, float(options["max-abs-target"]))
        if verdict is None:  # no targets, or class indices
            return None
        return Confirmation(verdict.raw, verdict.text, dict(verdict.numbers))
