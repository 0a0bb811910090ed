"""Reading a QR code back from a picture (OpenCV's detector), as a phone would from the printed poster."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image


def read_qr(img: Image.Image) -> str:
    """The text of the one QR code in ``img`` ("" when none is found), tried at the size given and smaller."""
    gray = np.array(img.convert("L"))
    detector = cv2.QRCodeDetector()
    for width in (gray.shape[1], 1200, 800):
        height = round(gray.shape[0] * width / gray.shape[1])
        scaled = cv2.resize(gray, (width, height), interpolation=cv2.INTER_AREA)
        text, _points, _ = detector.detectAndDecode(scaled)
        if text:
            return str(text)
    return ""
