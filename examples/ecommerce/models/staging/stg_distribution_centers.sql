select
    id          as distribution_center_id,
    trim(name)  as distribution_center_name,
    latitude,
    longitude
from {{ source('raw', 'distribution_centers') }}
where id is not null
