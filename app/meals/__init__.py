"""The meal table (养老助残餐桌): price lists, meal plans, daily orders, manifests, deliveries, statements."""
