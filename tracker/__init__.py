"""Domain package of the transfer-employment dispatch dashboard (转移就业调度看板)."""
