"""The street office (街道): its viewers, granted by the platform operator, compare the street's communities
for a year — aggregates only — under /s/<street-slug>/ and /api/v1/s/<street-slug>/."""
