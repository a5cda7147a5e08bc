"""Stateful `keras.metrics.Metric`s: image quality and segmentation overlap."""

__all__ = []
