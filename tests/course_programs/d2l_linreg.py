"""Linear regression twice, the dive-into-deep-learning way: from scratch with a data_iter, then with nn and DataLoader.

Data and starting weights come from NumPy; torch.normal and random.shuffle draws are checked for shape only.
"""

import math
import random

import numpy as np
import torch
from torch import nn
from torch.utils import data


def synthetic_data(w, b, num_examples):
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 100)
print("features:", features.shape, features.dtype, "label:", labels.shape, labels.dtype)

rng = np.random.default_rng(0)
features = torch.tensor(rng.standard_normal((100, 2)), dtype=torch.float32)
labels = (torch.matmul(features, true_w) + true_b).reshape((-1, 1))
labels += torch.tensor(rng.normal(0, 0.01, (100, 1)), dtype=torch.float32)


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i : min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


random.seed(0)
w = torch.tensor(rng.normal(0, 0.01, size=(2, 1)), dtype=torch.float32, requires_grad=True)
b = torch.zeros(1, requires_grad=True)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr, num_epochs, batch_size = 0.03, 3, 10
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = squared_loss(linreg(X, w, b), y)  # noqa: E741
        l.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = squared_loss(linreg(features, w, b), labels)
        print(f"epoch {epoch + 1}, loss {float(train_l.mean()):f}")
print("w error", tuple((true_w - w.reshape(true_w.shape)).shape), "b error small", abs(true_b - b.item()) < 0.5)
print("leaf", w.is_leaf, w.grad_fn is None, w.grad.abs().sum().item() == 0.0)


def load_array(data_arrays, batch_size, is_train=True):
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


data_iter2 = load_array((features, labels), 10)
Xb, yb = next(iter(data_iter2))
print("batch", Xb.shape, yb.shape, len(data_iter2))
net = nn.Sequential(nn.Linear(2, 1))
with torch.no_grad():
    net[0].weight.copy_(torch.tensor(rng.normal(0, 0.01, (1, 2)), dtype=torch.float32))
    net[0].bias.fill_(0)
loss = nn.MSELoss()
trainer = torch.optim.SGD(net.parameters(), lr=0.03)
for epoch in range(3):
    for X, y in load_array((features, labels), 10, is_train=False):
        l = loss(net(X), y)  # noqa: E741
        trainer.zero_grad()
        l.backward()
        trainer.step()
    l = loss(net(features), labels)  # noqa: E741
    print(f"epoch {epoch + 1}, loss {l:f}")
print("weight", net[0].weight.shape, [f"{v:.4f}" for v in net[0].weight.detach().reshape(-1).tolist()])


# d2l's classification helpers: NumPy-style axis= keywords, torch.mv, a scalar drawn with size=()
def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


y_hat = torch.tensor(rng.random((6, 3)), dtype=torch.float32)
y = torch.tensor([0, 2, 1, 1, 0, 2])
print(
    "accuracy",
    accuracy(y_hat, y) / len(y),
    y_hat.sum(axis=0).shape,
    torch.allclose(y_hat.cumsum(axis=0)[-1], y_hat.sum(0)),
)
print("mv", torch.mv(y_hat, torch.ones(3)).shape, f"{torch.mv(y_hat, torch.arange(3.0)).sum().item():.5f}")
a = torch.randn(size=(), requires_grad=True)
print("scalar", a.shape, a.requires_grad, torch.pi > 3, math.isinf(torch.inf))
