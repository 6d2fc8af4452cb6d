"""California districts: eight census features per district, median house value (in $100k) as target."""

from sklearn.datasets import fetch_california_housing
from sklearn.model_selection import train_test_split


def load_split(seed=0):
    X, y = fetch_california_housing(return_X_y=True)
    return train_test_split(X, y.reshape(-1, 1), test_size=0.2, random_state=seed)
