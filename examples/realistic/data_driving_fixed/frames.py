"""Camera frames and steering angles recorded by a driving simulator (one CSV row per frame)."""

import csv

import cv2
import numpy as np


def load_frames(log_path="driving_log.csv", correction=0.2):
    images, angles = [], []
    with open(log_path) as fh:
        for row in csv.reader(fh):
            centre, left, right, angle = row[0], row[1], row[2], float(row[3])
            for path, offset in ((centre, 0.0), (left, correction), (right, -correction)):
                images.append(cv2.imread(path))
                angles.append(angle + offset)
    return np.array(images), np.array(angles)
