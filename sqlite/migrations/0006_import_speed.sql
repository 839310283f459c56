-- Two of the search indexes of 0005 cost a quarter of the import and sync
-- rate (each resource inserted at a random place in two more B-trees, so
-- many more pages written per commit), against the 50,000 resources/s the
-- store must take from NDJSON and Bulk Data. Searches by code without a
-- patient now read the type in date order (resources_type_date) and filter;
-- searches in _lastUpdated order without a patient sort the matching rows.
-- Searches about one patient are not affected.
DROP INDEX resources_type_code;
DROP INDEX resources_type_updated;
