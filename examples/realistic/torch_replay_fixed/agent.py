"""DQN with a replay buffer and a target network, trained on a toy corridor environment."""

from __future__ import annotations

import copy
import random
from collections import deque

import torch
import torch.nn.functional as F

from networks import QNetwork

N_OBS, N_ACTIONS = 6, 3
GAMMA = 0.99
BATCH_SIZE = 64
WARMUP = 1_000
TARGET_SYNC = 500


class Corridor:
    """Walk to the end of a corridor; every step costs -1."""

    def reset(self):
        self.pos = 0
        return self._obs()

    def step(self, action: int):
        self.pos = max(0, self.pos + (1 if action == 2 else -1 if action == 0 else 0))
        done = self.pos >= N_OBS - 1
        return self._obs(), -1.0, done

    def _obs(self):
        obs = torch.zeros(N_OBS)
        obs[min(self.pos, N_OBS - 1)] = 1.0
        return obs


def select_action(policy: QNetwork, obs, epsilon: float) -> int:
    if random.random() < epsilon:
        return random.randrange(N_ACTIONS)
    with torch.no_grad():
        return int(policy(obs.unsqueeze(0)).argmax(dim=1).item())


def train(total_steps: int = 50_000) -> QNetwork:
    env = Corridor()
    policy = QNetwork(N_OBS, N_ACTIONS)
    target = copy.deepcopy(policy)
    optimizer = torch.optim.Adam(policy.parameters(), lr=5e-4)
    buffer: deque = deque(maxlen=50_000)
    obs = env.reset()
    for step in range(total_steps):
        epsilon = max(0.05, 1.0 - step / 10_000)
        action = select_action(policy, obs, epsilon)
        next_obs, reward, done = env.step(action)
        buffer.append((obs, action, reward, next_obs, float(done)))
        obs = env.reset() if done else next_obs
        if len(buffer) < WARMUP:
            continue
        batch = random.sample(buffer, BATCH_SIZE)
        states = torch.stack([b[0] for b in batch])
        actions = torch.tensor([[b[1]] for b in batch])
        rewards = torch.tensor([b[2] for b in batch])
        next_states = torch.stack([b[3] for b in batch])
        dones = torch.tensor([b[4] for b in batch])
        q_sa = policy(states).gather(1, actions).squeeze(1)
        with torch.no_grad():
            bootstrap = target(next_states).max(dim=1).values
            q_target = rewards + GAMMA * (1.0 - dones) * bootstrap
        loss = F.smooth_l1_loss(q_sa, q_target)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 10.0)
        optimizer.step()
        if step % TARGET_SYNC == 0:
            target.load_state_dict(policy.state_dict())
    return policy


if __name__ == "__main__":
    train()
