from adapters.images.filesystem import FileSystemImageStore

__all__ = ["FileSystemImageStore"]
