"""State and rules of the emulated cluster. Other packages use `Cluster` and its option/result types."""

from .cluster import Cluster, WriteOptions, WriteResult
from .registry import Registry, ResourceType

__all__ = ["Cluster", "Registry", "ResourceType", "WriteOptions", "WriteResult"]
