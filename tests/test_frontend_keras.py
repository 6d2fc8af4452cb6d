"""The Keras / tf.keras frontend: what it lowers (unit tests on `lower_source`), and how the rules
judge Keras code through it (`# expect: RLxxx` cases, firing and silent, per rule), and real,
correct Keras models that must stay silent with every rule enabled."""

from __future__ import annotations

import math
import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.ir import Network
from relulint.source import lower_source
from relulint.testing import expectations


def lower(code: str):
    return lower_source("model.py", textwrap.dedent(code))


def only_net(code: str) -> Network:
    facts = lower(code)
    keras_nets = [n for n in facts.networks if n.framework == "keras"]
    assert len(keras_nets) == 1, [n.name for n in keras_nets]
    return keras_nets[0]


def affines(net: Network):
    return [op for op in net.ops if op.kind == "affine"]


# ------------------------------------------------------------------------------------------------
# Lowering: structure


SEQUENTIAL_CNN = """
    import tensorflow as tf
    from tensorflow.keras import layers

    model = tf.keras.Sequential([
        layers.Rescaling(1 / 255, input_shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, (3, 3), padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(128, activation="relu", kernel_initializer="he_normal"),
        layers.Dropout(0.5),
        layers.BatchNormalization(),
        layers.AlphaDropout(0.1),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
"""


def test_sequential_list_kinds_fans_and_name():
    net = only_net(SEQUENTIAL_CNN)
    assert net.name == "model" and net.framework == "keras" and net.origin.line == 5
    assert [op.kind for op in net.ops] == ["scale", "affine", "shape", "affine", "shape", "affine", "dropout",
                                           "norm", "alpha_dropout", "affine"]
    assert net.scales_input()
    convs, dense = affines(net)[:2], affines(net)[2:]
    # 28x28x1 -> conv3 valid -> 26x26x32 -> pool2 -> 13x13x32 -> conv3 same -> 13x13x64 -> flatten
    assert [c.fan_in for c in convs] == [1 * 9, 32 * 9]
    assert [c.fan_out for c in convs] == [32 * 9, 64 * 9]  # Keras' own fan_out: filters * kernel volume
    assert [d.fan_in for d in dense] == [13 * 13 * 64, 128]
    assert [d.fan_out for d in dense] == [128, 10]
    assert net.output_activation().kind == "softmax"
    assert net.loss.kind == "categorical_crossentropy" and net.loss.from_logits is None


def test_default_and_explicit_init_sites():
    net = only_net(SEQUENTIAL_CNN)
    conv1, _, dense1, _ = affines(net)
    assert conv1.weight_init.scheme.name == "glorot" and conv1.init_site is None  # Keras default glorot_uniform
    assert conv1.weight_init.std_for(9, 288) == pytest.approx(math.sqrt(2 / (9 + 288)))
    assert dense1.weight_init.scheme.name == "he" and dense1.init_site == dense1.origin


def test_sequential_add_with_input_dim():
    net = only_net("""
        from tensorflow import keras
        from tensorflow.keras.layers import Dense, Activation
        net = keras.models.Sequential()
        net.add(Dense(64, input_dim=8))
        net.add(Activation("relu"))
        net.add(Dense(1))
        net.compile("adam", "mse")
    """)
    assert net.name == "net"
    assert [op.kind for op in net.ops] == ["affine", "activation", "affine"]
    assert [op.fan_in for op in affines(net)] == [8, 64]
    assert net.ops[1].activation.kind == "relu" and net.ops[1].origin.line == 6
    assert net.loss.kind == "mse" and net.loss.is_regression


def test_keras3_input_in_sequential_and_loop_add():
    net = only_net("""
        import keras
        model = keras.Sequential([keras.Input(shape=(20,))])
        for units in (64, 32):
            model.add(keras.layers.Dense(units, activation="relu"))
        model.add(keras.layers.Dense(1))
    """)
    # the interpreter unrolls the loop over a known tuple: each Dense's fan-in is the previous width
    assert [op.fan_in for op in affines(net)] == [20, 64, 32]


def test_channels_first_conv_leaves_fan_in_unknown():
    net = only_net("""
        import keras
        model = keras.Sequential([keras.layers.Conv2D(8, 3, data_format="channels_first", input_shape=(3, 32, 32)),
                                  keras.layers.Flatten(), keras.layers.Dense(10)])
    """)
    assert [op.fan_in for op in affines(net)] == [None, None]


def test_functional_chain_follows_reassigned_variable():
    net = only_net("""
        import keras
        from keras import layers
        inputs = keras.Input(shape=(4,))
        x = layers.Dense(16, activation="relu")(inputs)
        x = layers.Dense(16)(x)
        x = layers.LeakyReLU()(x)
        outputs = layers.Dense(1)(x)
        regressor = keras.Model(inputs=inputs, outputs=outputs, name="reg")
        unused = layers.Dense(99)
    """)
    assert net.name == "regressor" and net.origin.line == 9
    assert [op.kind for op in net.ops] == ["affine", "affine", "activation", "affine"]
    assert [op.fan_in for op in affines(net)] == [4, 16, 16]
    assert net.ops[2].activation.kind == "leaky_relu"
    assert net.output_activation() is None


def test_functional_input_scaling_and_shared_layer_object():
    net = only_net("""
        from tensorflow import keras
        inp = keras.layers.Input((32,))
        x = inp / 255.0
        hidden = keras.layers.Dense(8, activation="relu")
        x = hidden(x)
        out = keras.layers.Dense(2, activation="softmax")(x)
        m = keras.Model(inp, out)
    """)
    assert [op.kind for op in net.ops] == ["scale", "affine", "affine"]
    assert net.scales_input()
    assert [op.fan_in for op in affines(net)] == [32, 8]


def test_functional_residual_helper_is_inlined_per_call():
    net = only_net("""
        from tensorflow.keras import layers, Model, Input

        def res_block(x, filters):
            y = layers.Conv2D(filters, 3, padding="same")(x)
            y = layers.BatchNormalization()(y)
            y = layers.ReLU()(y)
            y = layers.Conv2D(filters, 3, padding="same")(y)
            y = layers.BatchNormalization()(y)
            return layers.Activation("relu")(layers.add([x, y]))

        def build():
            inputs = Input(shape=(32, 32, 16))
            x = res_block(inputs, 16)
            x = res_block(x, 16)
            x = layers.GlobalAveragePooling2D()(x)
            return Model(inputs, layers.Dense(10, activation="softmax")(x))

        net = build()
        net.compile(loss="sparse_categorical_crossentropy")
    """)
    assert net.name == "net"  # the variable the builder's result is bound to
    assert len(affines(net)) == 5  # two blocks of two convs, one head
    assert [op.kind for op in net.ops].count("other") == 2  # the two adds break adjacency
    assert affines(net)[0].fan_in == 16 * 9 and affines(net)[2].fan_in == 16 * 9
    assert affines(net)[-1].fan_in == 16  # GlobalAveragePooling2D keeps the channels
    assert net.loss.kind == "categorical_crossentropy"


def test_functional_concat_and_multi_output():
    net = only_net("""
        import keras
        from keras import layers
        a = keras.Input(shape=(8,))
        b = keras.Input(shape=(4,))
        h = layers.concatenate([layers.Dense(6)(a), b])
        h = layers.Dense(3, activation="relu")(h)
        out1 = layers.Dense(1)(h)
        out2 = layers.Dense(2, activation="softmax")(h)
        model = keras.Model([a, b], [out1, out2])
    """)
    fans = [op.fan_in for op in affines(net)]
    assert fans == [8, 10, 3, 3]


def test_nested_sequential_is_part_of_the_functional_model():
    facts = lower("""
        import keras
        from keras import layers
        head = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(1)])
        inputs = keras.Input(shape=(16,))
        outputs = head(layers.Dense(64, activation="relu")(inputs))
        model = keras.Model(inputs, outputs)
    """)
    assert [n.name for n in facts.networks] == ["model"]
    assert [op.fan_in for op in affines(facts.networks[0])] == [16, 64, 32]


def test_subclass_model_call_order_and_activation_attribute():
    net = only_net("""
        import tensorflow as tf
        from tensorflow.keras.layers import Dense, Dropout

        class Block(tf.keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.d = Dense(32, activation="relu")
            def call(self, x):
                return self.d(x)

        class Net(tf.keras.Model):
            def __init__(self, activation=tf.nn.relu):
                super().__init__()
                self.activation = activation
                self.d1 = Dense(64, activation=self.activation)
                self.block = Block()
                self.drop = Dropout(0.2)
                self.out = Dense(10)
            def call(self, x, training=False):
                x = self.d1(x)
                x = self.drop(self.block(x), training=training)
                return tf.nn.softmax(self.out(x))

        model = Net()
        model.compile(loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))
    """)
    assert net.name == "Net"
    assert [op.kind for op in net.ops] == ["affine", "affine", "dropout", "affine", "activation"]
    assert net.ops[0].activation.kind == "relu"
    assert [op.fan_in for op in affines(net)] == [None, 64, 32]
    assert net.output_activation().kind == "softmax"
    assert net.loss.kind == "categorical_crossentropy" and net.loss.from_logits is True
    assert net.loss.expects == "logits"


def test_subclass_attribute_list_and_keras_ops():
    net = only_net("""
        import keras
        class MLP(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = [keras.layers.Dense(64) for _ in range(3)]
                self.out = keras.layers.Dense(1)
            def call(self, x):
                for layer in self.hidden:
                    x = keras.ops.relu(layer(x))
                return self.out(x)
    """)
    # the comprehension builds three Dense layers; the loop applies each, then keras.ops.relu
    assert [op.kind for op in net.ops] == ["affine", "activation"] * 3 + ["affine"]
    assert [op.fan_in for op in affines(net)] == [None, 64, 64, 64]


@pytest.mark.parametrize("header, dense", [
    ("import tensorflow as tf", "tf.keras.layers.Dense"),
    ("from tensorflow.keras.layers import Dense", "Dense"),
    ("from tensorflow.keras import layers", "layers.Dense"),
    ("from tensorflow import keras", "keras.layers.Dense"),
    ("import keras", "keras.layers.Dense"),
    ("from keras import layers", "layers.Dense"),
    ("from keras.layers import Dense as D", "D"),
    ("import tensorflow.keras as tfk", "tfk.layers.Dense"),
    ("import tensorflow.compat.v1 as tf", "tf.keras.layers.Dense"),
])
def test_import_aliases_reach_the_same_layer(header, dense):
    seq = "tf.keras.Sequential" if header.endswith(" as tf") else "Seq"
    code = f"""
{header}
from keras import Sequential as Seq
model = {seq}([{dense}(8, activation="relu", input_shape=(3,)), {dense}(1)])
"""
    net = only_net(code)
    assert [(op.kind, op.fan_in) for op in net.ops] == [("affine", 3), ("affine", 8)]
    assert net.ops[0].activation.kind == "relu"


@pytest.mark.parametrize("expr, kind", [
    ('activation="relu"', "relu"),
    ('activation="ReLU"', "relu"),
    ("activation=tf.nn.relu", "relu"),
    ("activation=act", "relu"),
    ("activation=tf.keras.activations.selu", "selu"),
    ('activation=tf.keras.layers.Activation("sigmoid")', "sigmoid"),
    ("activation=tf.keras.layers.ReLU(max_value=6)", "relu6"),
    ('activation="swish"', "silu"),
    ("activation=None", None),
    ('activation="linear"', None),
    ("", None),
])
def test_fused_activation_forms(expr, kind):
    net = only_net(f"""
        import tensorflow as tf
        act = tf.nn.relu
        model = tf.keras.Sequential([tf.keras.layers.Dense(4, {expr})])
    """)
    got = net.ops[0].activation
    assert (got.kind if got else None) == kind


@pytest.mark.parametrize("layer, kind", [
    ('Activation("relu")', "relu"), ("ReLU()", "relu"), ("Softmax()", "softmax"),
    ("LeakyReLU(0.1)", "leaky_relu"), ("ELU()", "elu"), ('Activation(activation="tanh")', "tanh"),
])
def test_activation_layers(layer, kind):
    net = only_net(f"""
        from keras import layers, Sequential
        model = Sequential([layers.Dense(4), layers.{layer}])
    """)
    assert net.ops[1].kind == "activation" and net.ops[1].activation.kind == kind


@pytest.mark.parametrize("init, mean, std", [
    ("RandomNormal(mean=0.1)", 0.1, 0.05),
    ("RandomNormal(0.1, 0.1)", 0.1, 0.1),
    ("RandomUniform(0, 1)", 0.5, 1 / math.sqrt(12)),
    ("RandomUniform(minval=-0.05, maxval=0.05)", 0.0, 0.1 / math.sqrt(12)),
    ("TruncatedNormal(stddev=0.1)", 0.0, 0.1),
    ("Constant(0.1)", 0.1, 0.0),
    ("Zeros()", 0.0, 0.0),
    ("random_normal(0.2, 0.01)", 0.2, 0.01),
])
def test_initializer_objects(init, mean, std):
    net = only_net(f"""
        from tensorflow.keras import initializers, layers, Sequential
        model = Sequential([layers.Dense(8, kernel_initializer=initializers.{init}, input_shape=(10,))])
    """)
    op = net.ops[0]
    assert op.weight_init.mean == pytest.approx(mean)
    assert op.weight_init.std_for(op.fan_in, op.fan_out) == pytest.approx(std)
    assert op.init_site == op.origin


@pytest.mark.parametrize("init, std", [
    ('"he_normal"', math.sqrt(2 / 100)),
    ('"HeUniform"', math.sqrt(2 / 100)),
    ('"lecun_normal"', math.sqrt(1 / 100)),
    ("tf.keras.initializers.LecunNormal()", math.sqrt(1 / 100)),
    ("tf.keras.initializers.he_normal", math.sqrt(2 / 100)),
    ("tf.keras.initializers.VarianceScaling(scale=2.0, mode='fan_in')", math.sqrt(2 / 100)),
    ("tf.keras.initializers.VarianceScaling(1.0, 'fan_avg')", math.sqrt(1 / 75)),
    ("init", 0.3),
])
def test_initializer_schemes_follow_the_fan_in(init, std):
    net = only_net(f"""
        import tensorflow as tf
        init = tf.keras.initializers.RandomNormal(0.1, 0.3)
        model = tf.keras.Sequential([tf.keras.layers.Dense(50, kernel_initializer={init}, input_dim=100)])
    """)
    op = net.ops[0]
    assert op.weight_init.std_for(op.fan_in, op.fan_out) == pytest.approx(std)


@pytest.mark.parametrize("loss, kind, from_logits", [
    ('"mse"', "mse", None),
    ('"mean_squared_error"', "mse", None),
    ("tf.keras.losses.MeanSquaredError()", "mse", None),
    ("tf.keras.losses.mse", "mse", None),
    ("tf.keras.losses.Huber(delta=2.0)", "huber", None),
    ("tf.keras.losses.CategoricalCrossentropy(from_logits=True)", "categorical_crossentropy", True),
    ("tf.keras.losses.SparseCategoricalCrossentropy()", "categorical_crossentropy", False),
    ("loss_fn", "binary_crossentropy", True),
])
def test_compile_binds_the_loss(loss, kind, from_logits):
    facts = lower(f"""
        import tensorflow as tf
        loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss={loss}, metrics=["mae"])
    """)
    net = facts.networks[0]
    assert (net.loss.kind, net.loss.from_logits) == (kind, from_logits)
    # a loss object compile() uses is bound; one nobody uses is declared but unlinked (never pooled)
    assert facts.losses == []
    assert [loss.kind for loss in facts.unlinked_losses] == ([] if loss == "loss_fn" else ["binary_crossentropy"])


def test_positional_compile_and_unbound_losses():
    facts = lower("""
        import keras
        from mymodels import build
        model = build()
        model.compile("adam", "mae")
        criterion = keras.losses.MeanSquaredError()
    """)
    # `build` cannot be read: compile's "mae" binds to no model (a loss is never pooled onto networks
    # it was not given to); the declared, unapplied MSE is an unlinked loss
    assert facts.networks == []
    assert facts.losses == []
    assert [loss.kind for loss in facts.unlinked_losses] == ["mse"]


def test_builder_function_binding_by_call():
    facts = lower("""
        import keras
        def make():
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
            return model
        m = make()
        m.compile(loss="huber")
    """)
    assert [n.name for n in facts.networks] == ["m"]
    assert facts.networks[0].loss.kind == "huber"


def test_non_keras_code_gives_nothing():
    facts = lower("""
        import numpy as np
        class Model:
            def call(self, x):
                return np.maximum(x, 0)
        def Sequential(layers):
            return layers
        model = Sequential([1, 2])
    """)
    assert facts.networks == [] and facts.losses == []


# ------------------------------------------------------------------------------------------------
# Rules through the frontend: firing (`# expect:` lines) and silent Keras variations

H = "import tensorflow as tf\nimport keras\nfrom keras import layers, initializers\n"

FIRING: dict[str, list[str]] = {
    "RL101": [
        H + """model = keras.Sequential([
    layers.Dense(16, activation="relu", input_shape=(8,)),
    layers.Dense(1, activation="relu"),  # expect: RL101
])
model.compile(optimizer="adam", loss="mse")
""",
        H + """inputs = keras.Input(shape=(8,))
x = layers.Dense(16, activation="relu")(inputs)
x = layers.Dense(1)(x)
outputs = layers.ReLU()(x)  # expect: RL101
model = keras.Model(inputs, outputs)
model.compile("adam", keras.losses.MeanAbsoluteError())
""",
        H + """class Reg(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(32, activation="relu")
        self.out = layers.Dense(1, activation=tf.nn.relu)  # expect: RL101
    def call(self, x):
        return self.out(self.hidden(x))
model = Reg()
model.compile(loss=tf.keras.losses.Huber())
""",
        H + """from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Activation
net = Sequential()
net.add(Dense(10, input_dim=4))
net.add(Activation("relu"))
net.add(Dense(1))
net.add(Activation("relu"))  # expect: RL101
net.compile("sgd", "mean_squared_error")
""",
        H + """import tensorflow.keras as tfk
act = "relu"
model = tfk.Sequential([tfk.layers.Dense(8), tfk.layers.Dense(1, activation=act)])  # expect: RL101
loss_fn = tfk.losses.MeanSquaredError()
model.compile(optimizer="adam", loss=loss_fn)
""",
        H + """model = keras.Sequential([layers.Dense(4), layers.ReLU(max_value=6.0)])  # expect: RL101
model.compile(loss="mae")
""",
    ],
    "RL102": [
        H + """model = keras.Sequential([
    layers.Dense(64, activation="relu", input_shape=(784,)),
    layers.Dense(10, activation="softmax"),  # expect: RL102
])
model.compile(optimizer="adam", loss="mse")
""",
        H + """inputs = keras.Input(shape=(784,))
logits = layers.Dense(10)(layers.Dense(64, activation="relu")(inputs))
probs = layers.Softmax()(logits)  # expect: RL102
model = keras.Model(inputs=inputs, outputs=probs)
model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
""",
        H + """class Classifier(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(64, activation="relu")
        self.d2 = layers.Dense(10)
    def call(self, x):
        return tf.nn.softmax(self.d2(self.d1(x)))  # expect: RL102
clf = Classifier()
clf.compile(loss="mean_squared_error")
""",
        H + """model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])  # expect: RL102
model.compile(loss=tf.keras.losses.mse)
""",
        H + """from keras.models import Sequential
from keras.layers import Dense, Activation
m = Sequential()
m.add(Dense(10, input_shape=(20,)))
m.add(Activation("softmax"))  # expect: RL102
m.compile("sgd", "MSE")
""",
        H + """model = keras.Sequential([layers.Dense(10, activation=tf.nn.softmax)])  # expect: RL102
loss_fn = keras.losses.MeanSquaredError()
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    return tape.gradient(loss, model.trainable_variables)
""",
    ],
    "RL103": [
        H + """model = keras.Sequential([layers.Dense(10, activation="softmax", input_shape=(4,))])  # expect: RL103
model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
""",
        H + """model = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(10)])
model.compile(optimizer="adam", loss="categorical_crossentropy")  # expect: RL103
""",
        H + """inputs = keras.Input(shape=(16,))
outputs = layers.Dense(1, activation="sigmoid")(inputs)  # expect: RL103
model = keras.Model(inputs, outputs)
model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))
""",
        H + """inputs = keras.Input(shape=(16,))
model = keras.Model(inputs, layers.Dense(5)(inputs))
loss_fn = keras.losses.SparseCategoricalCrossentropy()  # expect: RL103
model.compile(optimizer="adam", loss=loss_fn)
""",
        H + """class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.fc = layers.Dense(10)
    def call(self, x):
        return keras.activations.softmax(self.fc(x))  # expect: RL103
model = Net()
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
""",
    ],
    "RL201": [
        H + """model = keras.Sequential([
    layers.Dense(64, activation="relu", kernel_initializer=initializers.RandomNormal(mean=0.1), input_shape=(10,)),  # expect: RL201
    layers.Dense(1),
])
""",
        H + """model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.Conv2D(16, 3, kernel_initializer=initializers.RandomUniform(0, 1)),  # expect: RL201
    layers.ReLU(),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])
""",
        H + """model = keras.Sequential([layers.Dense(8, kernel_initializer=initializers.Constant(0.1)),  # expect: RL201
                          layers.Activation("relu"), layers.Dense(1)])
""",
        H + """init = tf.keras.initializers.RandomNormal(0.1, 0.1)
inputs = keras.Input(shape=(4,))
x = layers.Dense(16, activation=tf.nn.relu, kernel_initializer=init)(inputs)  # expect: RL201
model = keras.Model(inputs, layers.Dense(1)(x))
""",
        H + """class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(64, kernel_initializer=keras.initializers.random_uniform(0.0, 1.0))  # expect: RL201
        self.d2 = layers.Dense(1)
    def call(self, x):
        return self.d2(tf.nn.relu(self.d1(x)))
""",
        H + """model = keras.Sequential([layers.Dense(8, activation="relu", kernel_initializer="ones"), layers.Dense(1)])  # expect: RL201
""",
    ],
    "RL202": [
        H + """small = initializers.RandomNormal(0.0, 1e-3)
model = keras.Sequential([
    layers.Dense(16, activation="relu", kernel_initializer=small, input_shape=(16,)),  # expect: RL202
    layers.Dense(16, activation="relu", kernel_initializer=small),  # expect: RL202
    layers.Dense(1),
])
""",
        H + """inputs = keras.Input(shape=(8,))
x = layers.Dense(32, kernel_initializer=keras.initializers.RandomNormal(stddev=1e-3))(inputs)  # expect: RL202
x = layers.Activation("relu")(x)
x = layers.Dense(32, activation="relu", kernel_initializer=keras.initializers.RandomNormal(stddev=1e-3))(x)  # expect: RL202
model = keras.Model(inputs, layers.Dense(1)(x))
""",
        H + """tiny = keras.initializers.TruncatedNormal(stddev=1e-4)
model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.Conv2D(16, 3, activation="relu", kernel_initializer=tiny),  # expect: RL202
    layers.Conv2D(16, 3, activation="relu", kernel_initializer=tiny),  # expect: RL202
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
""",
        H + """class Deep(keras.Model):
    def __init__(self):
        super().__init__()
        init = keras.initializers.RandomNormal(0.0, 1e-3)
        self.d1 = layers.Dense(64, activation="relu", kernel_initializer=init)
        self.d2 = layers.Dense(64, activation="relu", kernel_initializer=init)  # expect: RL202
        self.d3 = layers.Dense(64, activation="relu", kernel_initializer=init)  # expect: RL202
        self.out = layers.Dense(1)
    def call(self, x):
        return self.out(self.d3(self.d2(self.d1(x))))
""",
        H + """from tensorflow.keras import Sequential
from tensorflow.keras.layers import Dense
model = Sequential()
model.add(Dense(10, activation="relu", input_dim=10, kernel_initializer=tf.keras.initializers.RandomUniform(-1e-3, 1e-3)))  # expect: RL202
model.add(Dense(10, activation="relu", kernel_initializer=tf.keras.initializers.RandomUniform(-1e-3, 1e-3)))  # expect: RL202
model.add(Dense(1))
""",
    ],
    "RL203": [
        H + """model = keras.Sequential([
    layers.Flatten(input_shape=(28, 28)),
    layers.Dense(128, activation="relu", kernel_initializer=initializers.RandomNormal(stddev=1.0)),  # expect: RL203
    layers.Dense(10, activation="softmax"),
])
""",
        H + """images = keras.Input(shape=(240, 320, 1))
x = layers.Conv2D(8, 5, padding="same", activation="relu")(images)
x = layers.MaxPooling2D(2)(x)
x = layers.Flatten()(x)
x = layers.Dense(1024, activation="relu", kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.1))(x)  # expect: RL203
model = keras.Model(images, layers.Dense(48)(x))
""",
        H + """model = keras.Sequential([
    keras.Input(shape=(32, 32, 64)),
    layers.Conv2D(64, 3, activation="relu", kernel_initializer=initializers.RandomUniform(-1, 1)),  # expect: RL203
])
""",
        H + """vs = initializers.VarianceScaling(scale=100.0, mode="fan_in")
model = keras.Sequential([layers.Dense(32, activation="relu", kernel_initializer=vs, input_shape=(64,))])  # expect: RL203
""",
        H + """from keras.models import Sequential
from keras.layers import Dense
model = Sequential()
model.add(Dense(10, input_dim=1000, kernel_initializer=keras.initializers.RandomNormal(0.0, 1.0)))  # expect: RL203
""",
    ],
    "RL204": [
        H + """model = keras.Sequential([layers.Dense(64, activation="selu", input_shape=(4,)),  # expect: RL204
                          layers.Dense(1)])
""",
        H + """model = keras.Sequential([
    layers.Dense(64, activation="selu", kernel_initializer="he_normal", input_shape=(4,)),  # expect: RL204
    layers.Dense(1),
])
""",
        H + """model = keras.Sequential([
    layers.Dense(64, activation="selu", kernel_initializer="lecun_normal", input_shape=(4,)),
    layers.Dropout(0.2),  # expect: RL204
    layers.Dense(1),
])
""",
        H + """inputs = keras.Input(shape=(16,))
x = layers.Dense(32, kernel_initializer="lecun_normal")(inputs)
x = layers.Activation("selu")(x)
x = layers.Dropout(0.1)(x)  # expect: RL204
model = keras.Model(inputs, layers.Dense(1)(x))
""",
        H + """class SNN(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.d = layers.Dense(32, activation=tf.nn.selu, kernel_initializer=initializers.RandomUniform(-0.05, 0.05))  # expect: RL204
        self.out = layers.Dense(1)
    def call(self, x):
        return self.out(self.d(x))
""",
    ],
}

SILENT: dict[str, list[str]] = {
    "RL101": [
        H + """model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
""",
        H + """model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
""",
        H + """inputs = keras.Input(shape=(8,))
outputs = layers.Dense(1, activation="softplus")(layers.Dense(16, activation="relu")(inputs))
model = keras.Model(inputs, outputs)
model.compile(loss=keras.losses.MeanSquaredError())
""",
        H + """model = keras.Sequential([layers.Dense(16), layers.Dense(1, activation="relu")])
""",
        H + """class Reg(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(32, activation="relu")
        self.out = layers.Dense(1, activation=None)
    def call(self, x):
        return self.out(self.hidden(x))
model = Reg()
model.compile(loss="huber")
""",
    ],
    "RL102": [
        H + """model = keras.Sequential([layers.Dense(10, activation="softmax", input_shape=(784,))])
model.compile(loss="categorical_crossentropy")
""",
        H + """model = keras.Sequential([layers.Dense(10, activation="softmax", input_shape=(784,))])
""",
        H + """inputs = keras.Input(shape=(784,))
model = keras.Model(inputs, layers.Dense(10)(inputs))
model.compile(loss="mse")
""",
        H + """model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
model.compile(loss=keras.losses.BinaryCrossentropy())
""",
        H + """model = keras.Sequential([layers.Dense(1, activation="tanh")])
model.compile(loss="mean_squared_error")
""",
    ],
    "RL103": [
        H + """model = keras.Sequential([layers.Dense(10, activation="softmax", input_shape=(4,))])
model.compile(loss="categorical_crossentropy")
""",
        H + """model = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(10)])
model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
""",
        H + """inputs = keras.Input(shape=(16,))
model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(inputs))
model.compile(loss="binary_crossentropy")
""",
        H + """inputs = keras.Input(shape=(16,))
model = keras.Model(inputs, layers.Dense(5)(inputs))
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
""",
        H + """model = keras.Sequential([layers.Dense(1)])
model.compile(loss="mse")
""",
    ],
    "RL201": [
        H + """model = keras.Sequential([layers.Dense(64, activation="relu", kernel_initializer="he_normal"), layers.Dense(1)])
""",
        H + """model = keras.Sequential([layers.Dense(64, activation="relu",
                                       kernel_initializer=initializers.RandomNormal(mean=0.0, stddev=0.05))])
""",
        H + """model = keras.Sequential([layers.Dense(8, activation="sigmoid", kernel_initializer=initializers.RandomUniform(0, 1))])
""",
        H + """model = keras.Sequential([layers.Dense(8, kernel_initializer=initializers.Constant(0.1)),
                          layers.BatchNormalization(), layers.ReLU()])
""",
        H + """model = keras.Sequential([layers.Dense(8, activation="relu",
                                       kernel_initializer=initializers.RandomNormal(mean=0.001, stddev=0.05))])
""",
    ],
    "RL202": [
        H + """model = keras.Sequential([
    layers.Dense(16, activation="relu", kernel_initializer=initializers.RandomNormal(0.0, 1e-3), input_shape=(16,)),
    layers.Dense(16, activation="relu"),
    layers.Dense(1),
])
""",
        H + """model = keras.Sequential([
    layers.Dense(16, activation="relu", kernel_initializer="he_normal", input_shape=(16,)),
    layers.Dense(16, activation="relu", kernel_initializer="he_normal"),
])
""",
        H + """small = initializers.RandomNormal(0.0, 1e-3)
model = keras.Sequential([
    layers.Dense(16, activation="tanh", kernel_initializer=small, input_shape=(16,)),
    layers.Dense(16, activation="tanh", kernel_initializer=small),
])
""",
        H + """class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(64, activation="relu", kernel_initializer=initializers.RandomNormal(0.0, 1e-3))
        self.d2 = layers.Dense(64, activation="relu", kernel_initializer=initializers.RandomNormal(0.0, 1e-3))
    def call(self, x):
        return self.d2(self.d1(x))
""",
        H + """model = keras.Sequential([
    layers.Dense(16, activation="relu", kernel_initializer=initializers.RandomNormal(0.0, 0.05), input_shape=(16,)),
    layers.Dense(16, activation="relu", kernel_initializer=initializers.RandomNormal(0.0, 0.05)),
])
""",
    ],
    "RL203": [
        H + """model = keras.Sequential([
    layers.Flatten(input_shape=(28, 28)),
    layers.Dense(128, activation="relu", kernel_initializer="he_normal"),
])
""",
        H + """class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(64, activation="relu", kernel_initializer=initializers.RandomNormal(stddev=1.0))
    def call(self, x):
        return self.d1(x)
""",
        H + """model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(16,),
                                       kernel_initializer=initializers.RandomNormal(stddev=0.1))])
""",
        H + """model = keras.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(128, activation="relu")])
""",
        H + """inputs = keras.Input(shape=(None, None, 3))
x = layers.Conv2D(8, 3, activation="relu")(inputs)
x = layers.Flatten()(x)
model = keras.Model(inputs, layers.Dense(10, kernel_initializer=initializers.RandomNormal(stddev=1.0))(x))
""",
    ],
    "RL204": [
        H + """model = keras.Sequential([
    layers.Dense(64, activation="selu", kernel_initializer="lecun_normal", input_shape=(4,)),
    layers.AlphaDropout(0.2),
    layers.Dense(1),
])
""",
        H + """model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dropout(0.2), layers.Dense(1)])
""",
        H + """model = keras.Sequential([layers.Dense(64, activation="selu", kernel_initializer=initializers.LecunNormal())])
""",
        H + """vs = initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal")
model = keras.Sequential([layers.Dense(64, activation="selu", kernel_initializer=vs), layers.Dense(1)])
""",
        H + """inputs = keras.Input(shape=(16,))
x = layers.Dropout(0.1)(layers.Dense(32, activation="relu")(inputs))
model = keras.Model(inputs, layers.Dense(1)(x))
""",
    ],
}

RULE_CASES = [
    pytest.param(code, src, True, id=f"{code}-fires-{i}") for code, cases in FIRING.items() for i, src in enumerate(cases)
] + [
    pytest.param(code, src, False, id=f"{code}-silent-{i}") for code, cases in SILENT.items() for i, src in enumerate(cases)
]


@pytest.mark.parametrize(("code", "source", "fires"), RULE_CASES)
def test_rule_on_keras(code, source, fires, tmp_path):
    result = lint_source(source, str(tmp_path / "model.py"), Settings(select=[code]))
    got = {(f.origin.line, f.code) for f in result.findings}
    want = {(line, c) for line, c in expectations(source) if c == code}
    assert bool(want) == fires
    assert got == want, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]


def test_enough_cases_per_rule():
    for code in FIRING.keys() | SILENT.keys():
        assert len(FIRING.get(code, [])) >= 5 and len(SILENT.get(code, [])) >= 5, code


# ------------------------------------------------------------------------------------------------
# Real, correct Keras models: no findings with every rule enabled

VGG = """
import tensorflow as tf
from tensorflow.keras import layers, models


def vgg_block(x, filters, convs):
    for _ in range(convs):
        x = layers.Conv2D(filters, (3, 3), padding="same", activation="relu", kernel_initializer="he_normal")(x)
    return layers.MaxPooling2D((2, 2), strides=(2, 2))(x)


def build_vgg(num_classes=10):
    inputs = layers.Input(shape=(32, 32, 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = vgg_block(x, 64, 2)
    x = vgg_block(x, 128, 2)
    x = vgg_block(x, 256, 3)
    x = layers.Flatten()(x)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return models.Model(inputs, outputs, name="vgg")


vgg = build_vgg()
vgg.compile(optimizer=tf.keras.optimizers.SGD(0.01, momentum=0.9), loss="categorical_crossentropy",
            metrics=["accuracy"])
"""

VGG_SEQUENTIAL = """
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Rescaling(1.0 / 255),
    layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
    layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss=keras.losses.CategoricalCrossentropy(), optimizer="adam", metrics=["accuracy"])
"""

RESNET = """
import keras
from keras import layers


def residual_block(x, filters, stride=1):
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                      kernel_initializer="he_normal")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(y)
    y = layers.BatchNormalization()(y)
    if stride != 1:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Add()([y, shortcut])
    return layers.ReLU()(y)


inputs = keras.Input(shape=(32, 32, 3))
x = layers.Normalization()(inputs)
x = layers.Conv2D(64, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
x = layers.BatchNormalization()(x)
x = layers.ReLU()(x)
x = residual_block(x, 64)
x = residual_block(x, 128, stride=2)
x = residual_block(x, 256, stride=2)
x = layers.GlobalAveragePooling2D()(x)
logits = layers.Dense(100)(x)
resnet = keras.Model(inputs, logits)
resnet.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
"""

MLP_REGRESSOR = """
import tensorflow as tf

normalizer = tf.keras.layers.Normalization(axis=-1)
model = tf.keras.Sequential([
    normalizer,
    tf.keras.layers.Dense(64, activation="relu", input_shape=(9,)),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(1),
])
model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(0.001))
"""

TRANSFORMER = """
import keras
from keras import layers


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


maxlen, vocab_size, embed_dim = 200, 20000, 32
inputs = layers.Input(shape=(maxlen,))
x = layers.Embedding(vocab_size, embed_dim)(inputs)
x = TransformerBlock(embed_dim, 2, 32)(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
"""

REAL = {"vgg_functional": VGG, "vgg_sequential": VGG_SEQUENTIAL, "resnet": RESNET, "mlp_regressor": MLP_REGRESSOR,
        "transformer": TRANSFORMER}


@pytest.mark.parametrize("name", REAL)
def test_real_keras_model_is_silent_and_understood(name, tmp_path):
    source = textwrap.dedent(REAL[name])
    result = lint_source(source, str(tmp_path / f"{name}.py"), Settings())
    assert result.findings == [], [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]
    nets = [n for n in result.facts.networks if n.framework == "keras"]
    assert len(nets) == 1 and nets[0].loss is not None
    assert len([op for op in nets[0].ops if op.kind == "affine"]) >= 3


def test_real_models_have_fan_ins():
    vgg = only_net(VGG)
    fans = [op.fan_in for op in affines(vgg)]
    # the helper runs with each call's arguments and its loop is unrolled: 32x32x3 -> 2 convs 64 ->
    # pool 16 -> 2 convs 128 -> pool 8 -> 3 convs 256 -> pool 4 -> flatten 4096
    assert fans == [27, 64 * 9, 64 * 9, 128 * 9, 128 * 9, 256 * 9, 256 * 9, 4 * 4 * 256, 512, 512]
    transformer = only_net(TRANSFORMER)
    assert [op.fan_in for op in affines(transformer)] == [32, 32, 32, 20]
    resnet = only_net(RESNET)
    assert resnet.scales_input()
    assert affines(resnet)[-1].fan_in == 256


# ------------------------------------------------------------------------------------------------
# Robustness: odd or invalid Keras code lowers to what can be known, never to a traceback

ODD = [
    "import keras\nm = keras.Model()\n",
    "import keras\nm = keras.Sequential(*[keras.layers.Dense(1)])\n",
    "import keras\nm = keras.Sequential()\nm.add()\nm.compile()\n",
    "import keras\nx = x\nm = keras.Model(x, x)\n",
    "import keras\ndef f(x):\n    return g(x)\ndef g(x):\n    return f(x)\ni = keras.Input((3,))\nm = keras.Model(i, f(i))\n",
    "import keras\nclass A(keras.Model):\n    def __init__(self):\n        self.a = A()\n    def call(self, x):\n"
    "        return self.a(x)\nm = A()\n",
    "import keras\nclass A(B):\n    pass\nclass B(A):\n    pass\n",
    "import keras\nm = keras.Sequential([keras.layers.Conv2D(8, 3, strides=0, input_shape=(5, 5, 1))])\n",
    "import keras\nm = keras.Sequential([keras.layers.Conv2D(8, (3, 'a'), input_shape=(None, 4, 'x'))])\n",
    "import keras\nm = keras.Sequential([keras.layers.Dense(4)])\nm.compile(loss=['mse', 'mae'])\n",
    "import keras\nm = keras.Model(inputs=i, outputs={'a': o})\n",
    "import keras\ni = keras.Input((3,))\nm = keras.Model(i, [(lambda t: t)(i), i[:, 0], i.shape, i ** 2])\n",
]


@pytest.mark.parametrize("code", ODD)
def test_odd_code_does_not_crash(code):
    lower_source("odd.py", code)


def test_loop_in_functional_graph_is_unrolled():
    net = only_net("""
        import keras
        i = keras.Input((3,))
        x = i
        for _ in range(3):
            x = keras.layers.Dense(3, activation="relu")(x)
        m = keras.Model(i, x)
    """)
    assert [(op.kind, op.fan_in) for op in net.ops] == [("affine", 3)] * 3


def _keras_application(name: str):
    """A file of the installed Keras' own applications (read, never imported: find_spec only locates)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("keras not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "src" / "applications" / f"{name}.py"
    if not path.exists():
        pytest.skip(f"no {path}")
    return path


@pytest.mark.parametrize("name, min_affine", [("vgg16", 16), ("inception_v3", 60)])
def test_keras_applications_are_silent(name, min_affine):
    path = _keras_application(name)
    code = path.read_text(encoding="utf-8")
    result = lint_source(code, str(path), Settings(), neighbours=False)
    assert result.findings == [], [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]
    nets = [n for n in result.facts.networks if n.framework == "keras"]
    assert sum(op.kind == "affine" for n in nets for op in n.ops) >= min_affine
    assert sum(bool(op.fan_in) for n in nets for op in n.ops) >= min_affine - 3
